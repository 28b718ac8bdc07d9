"""Minimal raw-netlink helpers for the capture scripts (standard library only).

Everything here is written from the kernel's uapi headers, independently of the Swift
codec, so that bytes the kernel accepted from this module make a fair oracle for it.
"""

import ctypes
import errno
import os
import select
import socket
import struct
import time

NETLINK_ROUTE = 0
NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3FFF

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def align4(n):
    return (n + 3) & ~3


def nla(attr_type, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, attr_type) + payload + b"\0" * (align4(length) - length)


def nla_u8(t, v):
    return nla(t, struct.pack("=B", v))


def nla_u16(t, v):
    return nla(t, struct.pack("=H", v))


def nla_u32(t, v):
    return nla(t, struct.pack("=I", v))


def nla_s32(t, v):
    return nla(t, struct.pack("=i", v))


def nla_str(t, s):
    return nla(t, s.encode() + b"\0")


def nest(t, *attrs):
    return nla(t | NLA_F_NESTED, b"".join(attrs))


def nlmsg(msg_type, flags, seq, payload, pid=0):
    return struct.pack("=IHHII", 16 + len(payload), msg_type, flags, seq, pid) + payload


def genl(cmd, version, *attrs):
    return struct.pack("=BBH", cmd, version, 0) + b"".join(attrs)


def split(datagram):
    """Splits a datagram into messages (bytes each), like mnl_nlmsg_next."""
    out = []
    off = 0
    while off + 16 <= len(datagram):
        (length,) = struct.unpack_from("=I", datagram, off)
        if length < 16 or off + length > len(datagram):
            raise ValueError(f"bad nlmsg_len {length} at {off}")
        out.append(datagram[off:off + length])
        off += align4(length)
    return out


def header(msg):
    length, msg_type, flags, seq, pid = struct.unpack_from("=IHHII", msg, 0)
    return {"len": length, "type": msg_type, "flags": flags, "seq": seq, "pid": pid}


def attrs(data):
    """Parses attributes into {type: payload} (last wins, like nla_parse)."""
    out = {}
    off = 0
    while off + 4 <= len(data):
        length, t = struct.unpack_from("=HH", data, off)
        if length < 4 or off + length > len(data):
            raise ValueError(f"bad nla_len {length} at {off}")
        out[t & NLA_TYPE_MASK] = data[off + 4:off + length]
        off += align4(length)
    return out


def attr_list(data):
    """Attribute types in wire order (flags masked)."""
    out = []
    off = 0
    while off + 4 <= len(data):
        length, t = struct.unpack_from("=HH", data, off)
        out.append(t & NLA_TYPE_MASK)
        off += align4(length)
    return out


class Netns:
    """A network namespace made with `ip netns add`; `with ns:` switches this thread into it
    (sockets created inside stay bound to it after the block)."""

    def __init__(self, name):
        self.name = name
        self._saved = []

    def __enter__(self):
        self._saved.append(os.open("/proc/self/ns/net", os.O_RDONLY))
        fd = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, f"setns({self.name}): {os.strerror(e)}")
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        fd = self._saved.pop()
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, f"setns(back): {os.strerror(e)}")
        finally:
            os.close(fd)
        return False


class NetlinkSocket:
    """A blocking-with-timeout raw netlink socket that remembers every datagram it read."""

    def __init__(self, protocol, groups=0, ext_ack=True, cap_ack=False):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, groups))
        if ext_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        if cap_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = int(time.time()) & 0xFFFF
        self.pending = []

    def join(self, group):
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)

    def next_seq(self):
        self.seq += 1
        return self.seq

    def send(self, data):
        self.sock.sendto(data, (0, 0))

    def read_datagrams(self, timeout):
        """Every datagram that arrives within `timeout` seconds (returns early when idle)."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                break
            try:
                out.append(self.sock.recv(65536))
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    raise RuntimeError("netlink overrun while capturing") from e
                raise
        return out

    def transact(self, data, timeout=2.0):
        """Sends a request and returns (datagrams, messages) up to its final ack/done/error."""
        (seq,) = struct.unpack_from("=I", data, 8)
        self.send(data)
        datagrams, messages = [], []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.sock], [], [], deadline - time.monotonic())
            if not ready:
                break
            dgram = self.sock.recv(65536)
            datagrams.append(dgram)
            finished = False
            for m in split(dgram):
                h = header(m)
                if h["seq"] != seq:
                    continue
                messages.append(m)
                if h["type"] in (NLMSG_ERROR, NLMSG_DONE):
                    finished = True
            if finished:
                # An NLMSG_ERROR ack may follow NLMSG_DONE or a doit reply: take it too.
                datagrams2 = self.read_datagrams(0.1)
                for d in datagrams2:
                    datagrams.append(d)
                    messages.extend(m for m in split(d) if header(m)["seq"] == seq)
                return datagrams, messages
        raise TimeoutError(f"no final reply for seq {seq}")

    def close(self):
        self.sock.close()


def error_of(msg):
    """(errno, extack message or None) of an NLMSG_ERROR message."""
    h = header(msg)
    (err,) = struct.unpack_from("=i", msg, 16)
    text = None
    if h["flags"] & NLM_F_ACK_TLVS:
        (orig_len,) = struct.unpack_from("=I", msg, 20)
        start = 36 if h["flags"] & NLM_F_CAPPED else 20 + align4(orig_len)
        a = attrs(msg[start:])
        if 1 in a:
            text = a[1].rstrip(b"\0").decode()
    return -err, text


def resolve_family(sock, name):
    """CTRL_CMD_GETFAMILY: returns (request bytes, reply messages, id, {group: id})."""
    req = nlmsg(GENL_ID_CTRL, NLM_F_REQUEST, sock.next_seq(), genl(CTRL_CMD_GETFAMILY, 1, nla_str(CTRL_ATTR_FAMILY_NAME, name)))
    sock.send(req)
    dgrams = sock.read_datagrams(1.0)
    replies = [m for d in dgrams for m in split(d)]
    for m in replies:
        if header(m)["type"] == GENL_ID_CTRL:
            a = attrs(m[20:])
            family_id = struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID])[0]
            groups = {}
            g = attrs(a.get(CTRL_ATTR_MCAST_GROUPS, b""))
            for entry in g.values():
                e = attrs(entry)
                groups[e[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = struct.unpack("=I", e[CTRL_ATTR_MCAST_GRP_ID])[0]
            return req, replies, family_id, groups
    raise RuntimeError(f"generic netlink family {name!r} not found: {replies!r}")
