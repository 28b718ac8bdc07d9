#ifndef SUBFLOWD_CMNL_SHIM_H
#define SUBFLOWD_CMNL_SHIM_H
/*
 * libmnl plus the kernel headers subflowd's system module needs, and the handful of
 * macros Swift cannot import (re-exported as enum constants or static inline functions).
 * Only SubflowSystem imports this module.
 */
/* glibc's socket headers first: they set the guards that keep <linux/in.h> from redefining them. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/mptcp.h>
#include <sys/stat.h>
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/sched.h>
/* setns(2): <sched.h> declares it only under _GNU_SOURCE, which Swift's Glibc does not set. */
extern int setns(int fd, int nstype);

/* O_PATH is only spelled out by <fcntl.h> under _GNU_SOURCE; glibc defines its value as __O_PATH. */
enum { SFD_O_PATH = __O_PATH };

enum {
    SFD_MNL_SOCKET_BUFFER_SIZE = 8192,
    SFD_NLMSG_HDRLEN = NLMSG_HDRLEN,
    SFD_GENL_HDRLEN = GENL_HDRLEN,
    SFD_NLA_F_NESTED = NLA_F_NESTED,
    SFD_NLA_TYPE_MASK = NLA_TYPE_MASK,
    SFD_SOL_NETLINK = 270,
    SFD_SOL_MPTCP = 284,
    SFD_IPPROTO_MPTCP = 262,
};

/* mnl_attr_for_each() is a macro: these two make the same walk possible from Swift. */
static inline const struct nlattr *sfd_attr_first(const void *payload) {
    return (const struct nlattr *)payload;
}
static inline int sfd_attr_ok(const struct nlattr *attr, int remaining) {
    return mnl_attr_ok(attr, remaining);
}

/* errno is a macro on glibc (a function call); read and set it through functions. */
static inline int sfd_errno(void) { return errno; }
static inline void sfd_set_errno(int value) { errno = value; }

/* Codec (SubflowSystem/Netlink): kernel-header flags spelled with _BITUL(), which Swift cannot
 * import. Only used to test the numbers subflowd carries against the installed headers. */
#ifdef MPTCP_PM_EV_FLAG_DENY_JOIN_ID0
enum { SFD_HAS_MPTCP_PM_EV_FLAG_DENY_JOIN_ID0 = 1,
       SFD_MPTCP_PM_EV_FLAG_DENY_JOIN_ID0 = MPTCP_PM_EV_FLAG_DENY_JOIN_ID0 };
#else
enum { SFD_HAS_MPTCP_PM_EV_FLAG_DENY_JOIN_ID0 = 0, SFD_MPTCP_PM_EV_FLAG_DENY_JOIN_ID0 = 0 };
#endif
#ifdef MPTCP_PM_EV_FLAG_SERVER_SIDE
enum { SFD_HAS_MPTCP_PM_EV_FLAG_SERVER_SIDE = 1,
       SFD_MPTCP_PM_EV_FLAG_SERVER_SIDE = MPTCP_PM_EV_FLAG_SERVER_SIDE };
#else
enum { SFD_HAS_MPTCP_PM_EV_FLAG_SERVER_SIDE = 0, SFD_MPTCP_PM_EV_FLAG_SERVER_SIDE = 0 };
#endif
#ifdef MPTCP_PM_ADDR_FLAG_LAMINAR
enum { SFD_HAS_MPTCP_PM_ADDR_FLAG_LAMINAR = 1, SFD_MPTCP_PM_ADDR_FLAG_LAMINAR = MPTCP_PM_ADDR_FLAG_LAMINAR };
#else
enum { SFD_HAS_MPTCP_PM_ADDR_FLAG_LAMINAR = 0, SFD_MPTCP_PM_ADDR_FLAG_LAMINAR = 0 };
#endif
enum {
    SFD_MPTCP_PM_ADDR_FLAG_SIGNAL = MPTCP_PM_ADDR_FLAG_SIGNAL,
    SFD_MPTCP_PM_ADDR_FLAG_SUBFLOW = MPTCP_PM_ADDR_FLAG_SUBFLOW,
    SFD_MPTCP_PM_ADDR_FLAG_BACKUP = MPTCP_PM_ADDR_FLAG_BACKUP,
    SFD_MPTCP_PM_ADDR_FLAG_FULLMESH = MPTCP_PM_ADDR_FLAG_FULLMESH,
    SFD_MPTCP_PM_ADDR_FLAG_IMPLICIT = MPTCP_PM_ADDR_FLAG_IMPLICIT,
};

/* Recovery (SubflowSystem/Diag): the subflow diag flags of <linux/mptcp.h> are spelled with
 * _BITUL(), which Swift cannot import. Only used to test the numbers subflowd carries. */
enum {
    SFD_MPTCP_SUBFLOW_FLAG_MCAP_REM = MPTCP_SUBFLOW_FLAG_MCAP_REM,
    SFD_MPTCP_SUBFLOW_FLAG_MCAP_LOC = MPTCP_SUBFLOW_FLAG_MCAP_LOC,
    SFD_MPTCP_SUBFLOW_FLAG_JOIN_REM = MPTCP_SUBFLOW_FLAG_JOIN_REM,
    SFD_MPTCP_SUBFLOW_FLAG_JOIN_LOC = MPTCP_SUBFLOW_FLAG_JOIN_LOC,
    SFD_MPTCP_SUBFLOW_FLAG_BKUP_REM = MPTCP_SUBFLOW_FLAG_BKUP_REM,
    SFD_MPTCP_SUBFLOW_FLAG_BKUP_LOC = MPTCP_SUBFLOW_FLAG_BKUP_LOC,
    SFD_MPTCP_SUBFLOW_FLAG_FULLY_ESTABLISHED = MPTCP_SUBFLOW_FLAG_FULLY_ESTABLISHED,
    SFD_MPTCP_SUBFLOW_FLAG_CONNECTED = MPTCP_SUBFLOW_FLAG_CONNECTED,
    SFD_MPTCP_SUBFLOW_FLAG_MAPVALID = MPTCP_SUBFLOW_FLAG_MAPVALID,
};

#endif
