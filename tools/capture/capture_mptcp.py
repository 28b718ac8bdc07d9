#!/usr/bin/env python3
"""Records real kernel netlink bytes for the MPTCPWire tests.

Builds two network namespaces joined by one veth pair (198.18.0.0/15 and 2001:db8::/32
addresses only, so no packet can leave them), selects the userspace path manager in both
(net.mptcp.path_manager=userspace), subscribes to "mptcp_pm_events" in both, runs MPTCP
connections between them from this process and drives the path manager with ANNOUNCE,
SUBFLOW_CREATE, SET_FLAGS, SUBFLOW_DESTROY and REMOVE. Every event, reply and accepted
request is written as hex, one message per line, preceded by a "# what=..." comment line,
into Tests/MPTCPWireTests/Captures/.

Usage (root): python3 tools/capture/capture_mptcp.py [--out DIR]

The namespaces are deleted on every exit path (try/finally). The script starts no other
long-running process: its sockets live in this process; `ip` and `sysctl` are run to
completion.
"""

import argparse
import os
import platform
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlink as nl  # noqa: E402

IPPROTO_MPTCP = 262
SOL_MPTCP = 284
MPTCP_INFO = 1

# mptcp_pm numbers (uapi mptcp_pm.h), written out independently of the Swift codec.
CMD_GET_ADDR, CMD_GET_LIMITS, CMD_SET_FLAGS = 3, 6, 7
CMD_ANNOUNCE, CMD_REMOVE, CMD_SUBFLOW_CREATE, CMD_SUBFLOW_DESTROY = 8, 9, 10, 11
ATTR_ADDR, ATTR_TOKEN, ATTR_LOC_ID, ATTR_ADDR_REMOTE = 1, 4, 5, 6
ADDR_FAMILY, ADDR_ID, ADDR_ADDR4, ADDR_ADDR6, ADDR_PORT, ADDR_FLAGS, ADDR_IF_IDX = 1, 2, 3, 4, 5, 6, 7
FLAG_SIGNAL, FLAG_BACKUP = 1, 4
EVENT_NAMES = {1: "CREATED", 2: "ESTABLISHED", 3: "CLOSED", 6: "ANNOUNCED", 7: "REMOVED",
               10: "SUB_ESTABLISHED", 11: "SUB_CLOSED", 13: "SUB_PRIORITY",
               15: "LISTENER_CREATED", 16: "LISTENER_CLOSED"}

SUFFIX = f"{os.getpid()}"
SRV_NS = f"sfdcap-srv-{SUFFIX}"
CLI_NS = f"sfdcap-cli-{SUFFIX}"
SRV_IF, CLI_IF = "sfdcap-s", "sfdcap-c"
PORT4, PORT6, PORT6_NEW, PORT_MAPPED = 47001, 47002, 47003, 47004


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def ns_run(ns, *args):
    run("ip", "netns", "exec", ns, *args)


class Recorder:
    """Collects (comment, bytes) per output file."""

    def __init__(self):
        self.files = {}
        self.facts = []

    def fact(self, text):
        self.facts.append(text)

    def add(self, file, what, data, note=""):
        comment = f"what={what}" + (f" {note}" if note else "")
        self.files.setdefault(file, []).append((comment, bytes(data)))

    def write(self, directory):
        kernel = platform.release()
        for file, entries in self.files.items():
            path = os.path.join(directory, file)
            with open(path, "w") as f:
                f.write(f"# Captured from Linux {kernel} by tools/capture/capture_mptcp.py.\n")
                f.write("# Each '# what=...' line describes the hex line that follows it.\n")
                for comment, data in entries:
                    f.write(f"# {comment}\n{data.hex()}\n")
            print(f"wrote {len(entries):3d} messages to {path}")
        path = os.path.join(directory, "facts.txt")
        with open(path, "w") as f:
            f.write(f"# Values read with getsockopt/getsockname during the capture (not from netlink).\n")
            for line in self.facts:
                f.write(line + "\n")


def mptcp_token(sock):
    """The connection token from getsockopt(SOL_MPTCP, MPTCP_INFO): independent of netlink."""
    info = sock.getsockopt(SOL_MPTCP, MPTCP_INFO, 64)
    (token,) = struct.unpack_from("=I", info, 12)
    return token


def addr_nest(attr, family, address, ident=None, port=0, flags=0, ifindex=None):
    """Address nest in the order the Swift encoder uses: FAMILY, ID, ADDR, PORT, FLAGS, IF_IDX."""
    parts = [nl.nla_u16(ADDR_FAMILY, family)]
    if ident is not None:
        parts.append(nl.nla_u8(ADDR_ID, ident))
    raw = socket.inet_pton(family, address)
    parts.append(nl.nla(ADDR_ADDR4 if family == socket.AF_INET else ADDR_ADDR6, raw))
    if port:
        parts.append(nl.nla_u16(ADDR_PORT, port))
    parts.append(nl.nla_u32(ADDR_FLAGS, flags))
    if ifindex is not None:
        parts.append(nl.nla_s32(ADDR_IF_IDX, ifindex))
    return nl.nest(attr, *parts)


def describe_event(msg):
    """key=value text for an event, decoded here with struct (an oracle for the Swift side)."""
    cmd = msg[16]
    a = nl.attrs(msg[20:])
    fields = [f"event={EVENT_NAMES.get(cmd, cmd)}"]

    def u(t, fmt):
        return struct.unpack(fmt, a[t])[0] if t in a else None

    token = u(1, "=I")
    if token is not None:
        fields.append(f"token={token}")
    family = u(2, "=H")
    if family is not None:
        fields.append(f"family={family}")
    for t, name in ((3, "loc_id"), (4, "rem_id"), (11, "backup"), (12, "error"), (18, "server_side")):
        if t in a:
            fields.append(f"{name}={a[t][0]}")
    for t, name, fam in ((5, "saddr", socket.AF_INET), (6, "saddr", socket.AF_INET6),
                         (7, "daddr", socket.AF_INET), (8, "daddr", socket.AF_INET6)):
        if t in a:
            fields.append(f"{name}={socket.inet_ntop(fam, a[t])}")
    for t, name in ((9, "sport"), (10, "dport")):
        if t in a:
            fields.append(f"{name}={struct.unpack('!H', a[t])[0]}")
    for t, name in ((13, "flags"),):
        if t in a:
            fields.append(f"{name}={struct.unpack('=H', a[t])[0]}")
    for t, name in ((15, "if_idx"),):
        if t in a:
            fields.append(f"{name}={struct.unpack('=i', a[t])[0]}")
    for t, name in ((16, "reset_reason"), (17, "reset_flags")):
        if t in a:
            fields.append(f"{name}={struct.unpack('=I', a[t])[0]}")
    fields.append("order=" + ",".join(str(t) for t in nl.attr_list(msg[20:])))
    return cmd, a, " ".join(fields)


class Capture:
    def __init__(self, out):
        self.out = out
        self.rec = Recorder()
        self.srv = nl.Netns(SRV_NS)
        self.cli = nl.Netns(CLI_NS)
        self.sockets = []
        self.events = {}      # side -> socket
        self.cmds = {}        # side -> socket (ext ack, uncapped)
        self.counts = {}
        self.family = None
        self.ev_group = None

    # ---- setup -------------------------------------------------------------------------
    def setup(self):
        run("ip", "netns", "add", SRV_NS)
        run("ip", "netns", "add", CLI_NS)
        run("ip", "link", "add", SRV_IF, "netns", SRV_NS, "type", "veth", "peer", "name", CLI_IF, "netns", CLI_NS)
        for ns, ifname, host in ((SRV_NS, SRV_IF, 1), (CLI_NS, CLI_IF, 2)):
            ns_run(ns, "sysctl", "-q", "-w", "net.mptcp.enabled=1")
            ns_run(ns, "sysctl", "-q", "-w", "net.mptcp.path_manager=userspace")
            ns_run(ns, "ip", "link", "set", "lo", "up")
            ns_run(ns, "ip", "addr", "add", f"198.18.0.{host}/24", "dev", ifname)
            ns_run(ns, "ip", "addr", "add", f"198.18.1.{host}/24", "dev", ifname)
            ns_run(ns, "ip", "addr", "add", f"198.18.1.{host + 10}/24", "dev", ifname)
            ns_run(ns, "ip", "addr", "add", f"2001:db8::{host}/64", "dev", ifname, "nodad")
            ns_run(ns, "ip", "addr", "add", f"2001:db8:1::{host}/64", "dev", ifname, "nodad")
            ns_run(ns, "ip", "link", "set", ifname, "up")
        with self.srv:
            ctrl = self.open(nl.NETLINK_GENERIC)
            req, replies, self.family, groups = nl.resolve_family(ctrl, "mptcp_pm")
            self.rec.add("genl-ctrl.hex", "ctrl.getfamily.request", req, "CTRL_CMD_GETFAMILY name=mptcp_pm")
            for m in replies:
                self.rec.add("genl-ctrl.hex", "ctrl.getfamily.reply", m,
                             f"family_id={self.family} " + " ".join(f"group.{k}={v}" for k, v in sorted(groups.items())))
            self.ev_group = groups["mptcp_pm_events"]
            req, replies, _, _ = nl.resolve_family(ctrl, "nlctrl")
            for m in replies:
                self.rec.add("genl-ctrl.hex", "ctrl.getfamily.nlctrl.reply", m, "family_id=16")
            # An unknown family: ENOENT with no payload but the echoed request.
            bad = nl.nlmsg(nl.GENL_ID_CTRL, nl.NLM_F_REQUEST, ctrl.next_seq(),
                           nl.genl(nl.CTRL_CMD_GETFAMILY, 1, nl.nla_str(nl.CTRL_ATTR_FAMILY_NAME, "no_such_family")))
            _, msgs = ctrl.transact(bad)
            for m in msgs:
                self.rec.add("genl-ctrl.hex", "ctrl.getfamily.unknown.error", m, f"errno={nl.error_of(m)[0]}")
        for side, ns in (("server", self.srv), ("client", self.cli)):
            with ns:
                ev = self.open(nl.NETLINK_GENERIC)
                ev.join(self.ev_group)
                self.events[side] = ev
                self.cmds[side] = self.open(nl.NETLINK_GENERIC)
        time.sleep(0.5)  # let IPv6 settle (nodad addresses are usable at once)

    def open(self, protocol, **kw):
        s = nl.NetlinkSocket(protocol, **kw)
        self.sockets.append(s)
        return s

    # ---- helpers -----------------------------------------------------------------------
    def drain(self, file, flow, wanted=(), timeout=3.0, settle=0.3):
        """Reads both event sockets until every (side, event name) in `wanted` has been
        seen (then `settle` more seconds), recording every event message."""
        missing = list(wanted)
        deadline = time.monotonic() + timeout
        settle_until = None
        seen = []
        while True:
            for side, sock in self.events.items():
                for d in sock.read_datagrams(0.05):
                    for m in nl.split(d):
                        cmd, a, text = describe_event(m)
                        name = EVENT_NAMES.get(cmd, str(cmd))
                        key = f"{flow}.{side}.{name.lower()}"
                        n = self.counts.get(key, 0) + 1
                        self.counts[key] = n
                        self.rec.add(file, key if n == 1 else f"{key}.{n}", m, f"side={side} {text}")
                        seen.append((side, name, a))
                        if os.environ.get("CAPTURE_VERBOSE"):
                            print(f"  {key}: {text}")
                        if (side, name) in missing:
                            missing.remove((side, name))
            now = time.monotonic()
            if not missing:
                if settle_until is None:
                    settle_until = now + settle
                if now >= settle_until:
                    break
            elif now > deadline:
                break
        if missing:
            raise RuntimeError(f"{flow}: events never arrived: {missing}")
        return seen

    def command(self, side, what, cmd, *attrs, expect_ok=True, record_request=True, sock=None):
        sock = sock or self.cmds[side]
        flags = nl.NLM_F_REQUEST | nl.NLM_F_ACK | (nl.NLM_F_DUMP if what.endswith(".dump") else 0)
        req = nl.nlmsg(self.family, flags, sock.next_seq(), nl.genl(cmd, 1, *attrs))
        _, msgs = sock.transact(req)
        final = [m for m in msgs if nl.header(m)["type"] == nl.NLMSG_ERROR]
        err = nl.error_of(final[-1]) if final else (0, None)
        if expect_ok and err[0] != 0:
            raise RuntimeError(f"{what}: kernel refused: errno {err[0]} {err[1]!r}")
        if record_request:
            self.rec.add("commands.hex", what, req, f"family_id={self.family} seq={nl.header(req)['seq']} accepted={int(err[0] == 0)}")
        for m in msgs:
            t = nl.header(m)["type"]
            kind = {nl.NLMSG_ERROR: "ack" if nl.error_of(m)[0] == 0 else "error", nl.NLMSG_DONE: "done"}.get(t, "data")
            note = f"seq={nl.header(m)['seq']}"
            if t == nl.NLMSG_ERROR:
                e, text = nl.error_of(m)
                note += f" errno={e} flags=0x{nl.header(m)['flags']:x}" + (f" extack={text.replace(' ', '_')}" if text else "")
            self.rec.add("replies.hex", f"{what}.{kind}", m, note)
        return msgs

    # ---- scenarios ---------------------------------------------------------------------
    def ipv4(self):
        f = "events-ipv4.hex"
        with self.srv:
            lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
            lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lst.bind(("198.18.0.1", PORT4))
            lst.listen(8)
            lst2 = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
            lst2.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lst2.bind(("198.18.1.1", PORT4))
            lst2.listen(8)
        self.drain(f, "v4", [("server", "LISTENER_CREATED")] * 2)
        with self.cli:
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
            c.bind(("198.18.0.2", 0))
            c.connect(("198.18.0.1", PORT4))
        conn, peer = lst.accept()
        c.sendall(b"hello from client")
        conn.recv(100)
        conn.sendall(b"hello from server")
        c.recv(100)
        ctok, stok = mptcp_token(c), mptcp_token(conn)
        cport = c.getsockname()[1]
        print(f"ipv4 connection: client token {ctok} port {cport}, server token {stok}")
        self.rec.fact(f"flow=v4 client_token={ctok} server_token={stok} client_port={cport} server_port={PORT4}")
        self.drain(f, "v4", [("client", "CREATED"), ("client", "ESTABLISHED"),
                             ("server", "CREATED"), ("server", "ESTABLISHED")])

        # Server announces 198.18.1.1 (id 5, no port: the peer reuses the connection's port).
        self.command("server", "v4.announce", CMD_ANNOUNCE, nl.nla_u32(ATTR_TOKEN, stok),
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.1", ident=5, flags=FLAG_SIGNAL))
        self.drain(f, "v4", [("client", "ANNOUNCED")])

        # Client joins from 198.18.1.2 (id 7) to the announced address.
        self.command("client", "v4.subflow_create", CMD_SUBFLOW_CREATE, nl.nla_u32(ATTR_TOKEN, ctok),
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.2", ident=7),
                     addr_nest(ATTR_ADDR_REMOTE, socket.AF_INET, "198.18.1.1", port=PORT4))
        seen = self.drain(f, "v4", [("client", "SUB_ESTABLISHED"), ("server", "SUB_ESTABLISHED")])
        sub = next(a for side, name, a in seen if side == "client" and name == "SUB_ESTABLISHED")
        sport = struct.unpack("!H", sub[9])[0]

        # Client marks the new subflow backup: MP_PRIO, the server reports SUB_PRIORITY.
        self.command("client", "v4.set_flags", CMD_SET_FLAGS, nl.nla_u32(ATTR_TOKEN, ctok),
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.2", port=sport, flags=FLAG_BACKUP),
                     addr_nest(ATTR_ADDR_REMOTE, socket.AF_INET, "198.18.1.1", port=PORT4))
        self.drain(f, "v4", [("server", "SUB_PRIORITY")])

        # A join to a port nobody listens on: the SYN is answered by a RST, and the kernel
        # reports SUB_CLOSED (with the socket error, ECONNREFUSED, on kernels that keep it).
        self.command("client", "v4.subflow_create_refused", CMD_SUBFLOW_CREATE, nl.nla_u32(ATTR_TOKEN, ctok),
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.12", ident=9),
                     addr_nest(ATTR_ADDR_REMOTE, socket.AF_INET, "198.18.0.1", port=PORT4 + 900))
        self.drain(f, "v4", [("client", "SUB_CLOSED")])

        # The server's local address list for this connection, by dump and by id.
        self.command("server", "v4.get_addr.dump", CMD_GET_ADDR, nl.nla_u32(ATTR_TOKEN, stok))
        self.command("server", "v4.get_addr", CMD_GET_ADDR, nl.nla_u32(ATTR_TOKEN, stok),
                     nl.nest(ATTR_ADDR, nl.nla_u8(ADDR_ID, 5)))
        self.command("server", "v4.get_limits", CMD_GET_LIMITS)

        # Errors, with extended-ack text: full echo (uncapped) and capped.
        bad_token = (max(ctok, stok) + 12345) & 0xFFFFFFFF
        announce_bad = (nl.nla_u32(ATTR_TOKEN, bad_token),
                        addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.1", ident=9, flags=FLAG_SIGNAL))
        self.command("server", "v4.announce_bad_token", CMD_ANNOUNCE, *announce_bad, expect_ok=False)
        with self.srv:
            capped = self.open(nl.NETLINK_GENERIC, cap_ack=True)
        self.command("server", "v4.announce_bad_token_capped", CMD_ANNOUNCE, *announce_bad,
                     expect_ok=False, sock=capped)
        self.command("server", "v4.announce_id0", CMD_ANNOUNCE, nl.nla_u32(ATTR_TOKEN, stok),
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.1", ident=0, flags=FLAG_SIGNAL), expect_ok=False)
        self.command("server", "v4.announce_no_signal", CMD_ANNOUNCE, nl.nla_u32(ATTR_TOKEN, stok),
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.1", ident=9), expect_ok=False)
        self.command("server", "v4.announce_no_token", CMD_ANNOUNCE,
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.1", ident=9, flags=FLAG_SIGNAL), expect_ok=False)
        self.command("client", "v4.subflow_destroy_unknown", CMD_SUBFLOW_DESTROY, nl.nla_u32(ATTR_TOKEN, ctok),
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.2", port=1),
                     addr_nest(ATTR_ADDR_REMOTE, socket.AF_INET, "198.18.1.1", port=PORT4), expect_ok=False)

        # Client closes the joined subflow.
        self.command("client", "v4.subflow_destroy", CMD_SUBFLOW_DESTROY, nl.nla_u32(ATTR_TOKEN, ctok),
                     addr_nest(ATTR_ADDR, socket.AF_INET, "198.18.1.2", port=sport),
                     addr_nest(ATTR_ADDR_REMOTE, socket.AF_INET, "198.18.1.1", port=PORT4))
        self.drain(f, "v4", [("client", "SUB_CLOSED")])

        # Server withdraws the announced address: the client sees REMOVED.
        self.command("server", "v4.remove", CMD_REMOVE, nl.nla_u32(ATTR_TOKEN, stok), nl.nla_u8(ATTR_LOC_ID, 5))
        self.drain(f, "v4", [("client", "REMOVED")])

        c.close()
        conn.close()
        self.drain(f, "v4", [("client", "CLOSED"), ("server", "CLOSED")], timeout=5.0)
        lst2.close()
        lst.close()
        self.drain(f, "v4", [("server", "LISTENER_CLOSED")] * 2)

    def ipv6(self):
        f = "events-ipv6.hex"
        # An ADD_ADDR for an IPv6 address with a port takes 30 option bytes: with TCP
        # timestamps (12) it does not fit in the 40 bytes of option space and is never sent.
        for ns in (SRV_NS, CLI_NS):
            ns_run(ns, "sysctl", "-q", "-w", "net.ipv4.tcp_timestamps=0")
        with self.cli:
            ifindex = socket.if_nametoindex(CLI_IF)
        with self.srv:
            lst = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, IPPROTO_MPTCP)
            lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lst.bind(("2001:db8::1", PORT6))
            lst.listen(8)
            lst2 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, IPPROTO_MPTCP)
            lst2.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lst2.bind(("2001:db8:1::1", PORT6_NEW))
            lst2.listen(8)
        self.drain(f, "v6", [("server", "LISTENER_CREATED")] * 2)
        with self.cli:
            c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, IPPROTO_MPTCP)
            c.bind(("2001:db8::2", 0))
            c.connect(("2001:db8::1", PORT6))
        conn, _ = lst.accept()
        c.sendall(b"hello6")
        conn.recv(100)
        conn.sendall(b"hello6 back")
        c.recv(100)
        ctok, stok = mptcp_token(c), mptcp_token(conn)
        cport = c.getsockname()[1]
        print(f"ipv6 connection: client token {ctok} port {cport}, server token {stok}, client ifindex {ifindex}")
        self.rec.fact(f"flow=v6 client_token={ctok} server_token={stok} client_port={cport} server_port={PORT6} client_ifindex={ifindex}")
        self.drain(f, "v6", [("client", "CREATED"), ("client", "ESTABLISHED"),
                             ("server", "CREATED"), ("server", "ESTABLISHED")])

        # Server announces 2001:db8:1::1 with a new port (id 6).
        self.command("server", "v6.announce", CMD_ANNOUNCE, nl.nla_u32(ATTR_TOKEN, stok),
                     addr_nest(ATTR_ADDR, socket.AF_INET6, "2001:db8:1::1", ident=6, port=PORT6_NEW, flags=FLAG_SIGNAL))
        self.drain(f, "v6", [("client", "ANNOUNCED")])

        # Client joins from 2001:db8:1::2 (id 8), bound to its interface, as backup.
        self.command("client", "v6.subflow_create", CMD_SUBFLOW_CREATE, nl.nla_u32(ATTR_TOKEN, ctok),
                     addr_nest(ATTR_ADDR, socket.AF_INET6, "2001:db8:1::2", ident=8, flags=FLAG_BACKUP, ifindex=ifindex),
                     addr_nest(ATTR_ADDR_REMOTE, socket.AF_INET6, "2001:db8:1::1", port=PORT6_NEW))
        self.drain(f, "v6", [("client", "SUB_ESTABLISHED"), ("server", "SUB_ESTABLISHED")])

        self.command("client", "v6.get_addr.dump", CMD_GET_ADDR, nl.nla_u32(ATTR_TOKEN, ctok))

        # The server resets the connection abruptly: SO_LINGER 0 makes close() send RSTs.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        self.drain(f, "v6", [("server", "CLOSED")], timeout=5.0, settle=1.0)
        # Observed on 6.18: after the peer's MP_FASTCLOSE the client's msk is already closed,
        # and neither CLOSED nor SUB_CLOSED is reported for it, even when the application
        # closes the socket: record whatever does arrive, require nothing.
        c.close()
        self.drain(f, "v6", [], settle=2.0)
        lst2.close()
        lst.close()
        self.drain(f, "v6", [("server", "LISTENER_CLOSED")] * 2)

    def v4mapped(self):
        f = "events-v4mapped.hex"
        with self.srv:
            lst = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, IPPROTO_MPTCP)
            lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lst.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            lst.bind(("::", PORT_MAPPED))
            lst.listen(8)
        self.drain(f, "mapped", [("server", "LISTENER_CREATED")])
        with self.cli:
            c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, IPPROTO_MPTCP)
            c.connect(("::ffff:198.18.0.1", PORT_MAPPED))
        conn, _ = lst.accept()
        c.sendall(b"mapped")
        conn.recv(100)
        conn.sendall(b"mapped back")
        c.recv(100)
        self.rec.fact(f"flow=mapped client_token={mptcp_token(c)} server_token={mptcp_token(conn)} client_port={c.getsockname()[1]} server_port={PORT_MAPPED}")
        self.drain(f, "mapped", [("client", "CREATED"), ("client", "ESTABLISHED"),
                                 ("server", "CREATED"), ("server", "ESTABLISHED")])
        c.close()
        conn.close()
        self.drain(f, "mapped", [("client", "CLOSED"), ("server", "CLOSED")], timeout=5.0)
        lst.close()
        self.drain(f, "mapped", [("server", "LISTENER_CLOSED")])

    def rtnetlink(self):
        f = "rtnetlink.hex"
        RTM_GETLINK, RTM_GETADDR = 18, 22
        groups = 0x1 | 0x10 | 0x100  # RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
        with self.cli:
            rt = self.open(nl.NETLINK_ROUTE)
            mon = self.open(nl.NETLINK_ROUTE, groups=groups)
            for what, msg_type, body in (("dump_links", RTM_GETLINK, bytes(16)), ("dump_addrs", RTM_GETADDR, bytes(8))):
                req = nl.nlmsg(msg_type, nl.NLM_F_REQUEST | nl.NLM_F_DUMP, rt.next_seq(), body)
                self.rec.add(f, f"rt.{what}.request", req)
                dgrams, msgs = rt.transact(req)
                for d in dgrams:
                    self.rec.add("datagrams.hex", f"rt.{what}.datagram", d, f"messages={len(nl.split(d))}")
                for m in msgs:
                    self.rec.add(f, f"rt.{what}.reply", m, self.describe_rt(m))
            mon.read_datagrams(0.2)
        ns_run(CLI_NS, "ip", "addr", "add", "198.18.2.2/24", "dev", CLI_IF)
        ns_run(CLI_NS, "ip", "addr", "add", "2001:db8:2::2/64", "dev", CLI_IF)  # with DAD: tentative
        ns_run(CLI_NS, "ip", "addr", "del", "198.18.2.2/24", "dev", CLI_IF)
        ns_run(CLI_NS, "ip", "link", "add", "sfdcap-x", "type", "veth", "peer", "name", "sfdcap-y")
        ns_run(CLI_NS, "ip", "link", "set", "sfdcap-x", "up")
        ns_run(CLI_NS, "ip", "link", "del", "sfdcap-x")
        for d in mon.read_datagrams(1.0):
            for m in nl.split(d):
                self.rec.add(f, "rt.monitor", m, self.describe_rt(m))

    @staticmethod
    def describe_rt(m):
        h = nl.header(m)
        t = h["type"]
        if t in (16, 17):
            family, _, iftype, index, flags, change = struct.unpack_from("=BBHiII", m, 16)
            a = nl.attrs(m[32:])
            name = a.get(3, b"").rstrip(b"\0").decode()
            carrier = a[33][0] if 33 in a else None
            oper = a[16][0] if 16 in a else None
            return (f"type={t} index={index} name={name} flags=0x{flags:x} change=0x{change:x}"
                    f" carrier={carrier} operstate={oper}")
        if t in (20, 21):
            family, plen, flags, scope, index = struct.unpack_from("=BBBBI", m, 16)
            a = nl.attrs(m[24:])
            fam = socket.AF_INET if family == 2 else socket.AF_INET6
            addr = a.get(2) or a.get(1)
            flags32 = struct.unpack("=I", a[8])[0] if 8 in a else flags
            return (f"type={t} index={index} family={family} address={socket.inet_ntop(fam, addr)}"
                    f" prefixlen={plen} flags=0x{flags32:x} scope={scope}")
        return f"type={t}"

    def cleanup(self):
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass
        for ns in (SRV_NS, CLI_NS):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(here, "..", "..", "Tests", "MPTCPWireTests", "Captures"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=default_out)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: network namespaces and the mptcp_pm_events group need CAP_NET_ADMIN")
    cap = Capture(args.out)
    try:
        cap.setup()
        cap.ipv4()
        cap.ipv6()
        cap.v4mapped()
        cap.rtnetlink()
    finally:
        cap.cleanup()
    os.makedirs(args.out, exist_ok=True)
    cap.rec.write(args.out)


if __name__ == "__main__":
    main()
