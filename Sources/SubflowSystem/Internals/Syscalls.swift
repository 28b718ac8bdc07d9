import CELL
import CMNL
import Glibc

// Every system call this module makes, one thin wrapper each (the pattern of swift-system's
// Internals/Syscalls.swift): the same arguments and the same -1/errno convention as the C
// call, descriptors typed as `Descriptor`. Each asks the test seam (SyscallFaults) first, so a
// test can make any of them fail with the errno it chooses. The EINTR policy is not here but
// in `retryingOnInterrupt`, which callers wrap around the calls that may be made again.

// MARK: data

func system_read(_ fd: Descriptor, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    if SyscallFaults.fails(.read) { return -1 }
    return Glibc.read(fd.rawValue, buffer, count)
}

func system_pread(_ fd: Descriptor, _ buffer: UnsafeMutableRawPointer?, _ count: Int, _ offset: Int) -> Int {
    if SyscallFaults.fails(.pread) { return -1 }
    return Glibc.pread(fd.rawValue, buffer, count, off_t(offset))
}

func system_write(_ fd: Descriptor, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    if SyscallFaults.fails(.write) { return -1 }
    return Glibc.write(fd.rawValue, buffer, count)
}

func system_recv(_ fd: Descriptor, _ buffer: UnsafeMutableRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    if SyscallFaults.fails(.recv) { return -1 }
    return Glibc.recv(fd.rawValue, buffer, count, flags)
}

func system_recvfrom(
    _ fd: Descriptor, _ buffer: UnsafeMutableRawPointer?, _ count: Int, _ flags: Int32,
    _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?
) -> Int {
    if SyscallFaults.fails(.recvfrom) { return -1 }
    return Glibc.recvfrom(fd.rawValue, buffer, count, flags, address, length)
}

func system_send(_ fd: Descriptor, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    if SyscallFaults.fails(.send) { return -1 }
    return Glibc.send(fd.rawValue, buffer, count, flags)
}

func system_sendto(
    _ fd: Descriptor, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32,
    _ address: UnsafePointer<sockaddr>?, _ length: socklen_t
) -> Int {
    if SyscallFaults.fails(.sendto) { return -1 }
    return Glibc.sendto(fd.rawValue, buffer, count, flags, address, length)
}

// MARK: descriptors

func system_close(_ fd: Descriptor) -> Int32 {
    Glibc.close(fd.rawValue)
}

func system_open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    if SyscallFaults.fails(.open) { return -1 }
    return Glibc.open(path, flags, mode)
}

func system_openat(_ directory: Descriptor, _ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    if SyscallFaults.fails(.openat) { return -1 }
    return Glibc.openat(directory.rawValue, path, flags, mode)
}

func system_fcntl(_ fd: Descriptor, _ command: Int32) -> Int32 {
    if SyscallFaults.fails(.fcntl) { return -1 }
    return Glibc.fcntl(fd.rawValue, command)
}

func system_fcntl(_ fd: Descriptor, _ command: Int32, _ value: Int32) -> Int32 {
    if SyscallFaults.fails(.fcntl) { return -1 }
    return Glibc.fcntl(fd.rawValue, command, value)
}

func system_ioctl(_ fd: Descriptor, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
    if SyscallFaults.fails(.ioctl) { return -1 }
    return Glibc.ioctl(fd.rawValue, request, argument)
}

func system_poll(_ entries: UnsafeMutablePointer<pollfd>?, _ count: Int, _ milliseconds: Int32) -> Int32 {
    if SyscallFaults.fails(.poll) { return -1 }
    return Glibc.poll(entries, nfds_t(count), milliseconds)
}

// MARK: file status and names

func system_fstat(_ fd: Descriptor, _ status: inout stat) -> Int32 {
    if SyscallFaults.fails(.fstat) { return -1 }
    return Glibc.fstat(fd.rawValue, &status)
}

func system_fstatat(_ directory: Descriptor, _ path: String, _ status: inout stat, _ flags: Int32) -> Int32 {
    if SyscallFaults.fails(.fstatat) { return -1 }
    return Glibc.fstatat(directory.rawValue, path, &status, flags)
}

func system_stat(_ path: String, _ status: inout stat) -> Int32 {
    if SyscallFaults.fails(.stat) { return -1 }
    return stat(path, &status)
}

func system_lstat(_ path: String, _ status: inout stat) -> Int32 {
    if SyscallFaults.fails(.lstat) { return -1 }
    return Glibc.lstat(path, &status)
}

func system_fchmod(_ fd: Descriptor, _ mode: mode_t) -> Int32 {
    if SyscallFaults.fails(.fchmod) { return -1 }
    return Glibc.fchmod(fd.rawValue, mode)
}

func system_chown(_ path: String, _ owner: uid_t, _ group: gid_t) -> Int32 {
    if SyscallFaults.fails(.chown) { return -1 }
    return Glibc.chown(path, owner, group)
}

func system_chmod(_ path: String, _ mode: mode_t) -> Int32 {
    if SyscallFaults.fails(.chmod) { return -1 }
    return Glibc.chmod(path, mode)
}

func system_unlink(_ path: String) -> Int32 {
    if SyscallFaults.fails(.unlink) { return -1 }
    return Glibc.unlink(path)
}

func system_mkdir(_ path: String, _ mode: mode_t) -> Int32 {
    if SyscallFaults.fails(.mkdir) { return -1 }
    return Glibc.mkdir(path, mode)
}

func system_rename(_ from: String, _ to: String) -> Int32 {
    if SyscallFaults.fails(.rename) { return -1 }
    return Glibc.rename(from, to)
}

func system_renameat(_ fromDirectory: Descriptor, _ from: String, _ toDirectory: Descriptor, _ to: String) -> Int32 {
    if SyscallFaults.fails(.renameat) { return -1 }
    return Glibc.renameat(fromDirectory.rawValue, from, toDirectory.rawValue, to)
}

func system_readlink(_ path: String, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    if SyscallFaults.fails(.readlink) { return -1 }
    return Glibc.readlink(path, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
}

func system_readlinkat(_ fd: Descriptor, _ path: String, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    if SyscallFaults.fails(.readlinkat) { return -1 }
    return Glibc.readlinkat(fd.rawValue, path, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
}

func system_setns(_ fd: Descriptor, _ namespaceType: Int32) -> Int32 {
    if SyscallFaults.fails(.setns) { return -1 }
    return setns(fd.rawValue, namespaceType)
}

// MARK: sockets

func system_socket(_ domain: Int32, _ type: Int32, _ protocolNumber: Int32) -> Int32 {
    if SyscallFaults.fails(.socket) { return -1 }
    return Glibc.socket(domain, type, protocolNumber)
}

func system_bind(_ fd: Descriptor, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
    if SyscallFaults.fails(.bind) { return -1 }
    return Glibc.bind(fd.rawValue, address, length)
}

func system_connect(_ fd: Descriptor, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
    if SyscallFaults.fails(.connect) { return -1 }
    return Glibc.connect(fd.rawValue, address, length)
}

func system_listen(_ fd: Descriptor, _ backlog: Int32) -> Int32 {
    if SyscallFaults.fails(.listen) { return -1 }
    return Glibc.listen(fd.rawValue, backlog)
}

func system_accept(
    _ fd: Descriptor, _ address: UnsafeMutablePointer<sockaddr>?,
    _ length: UnsafeMutablePointer<socklen_t>?
) -> Int32 {
    if SyscallFaults.fails(.accept) { return -1 }
    return Glibc.accept(fd.rawValue, address, length)
}

func system_shutdown(_ fd: Descriptor, _ how: Int32) -> Int32 {
    if SyscallFaults.fails(.shutdown) { return -1 }
    return Glibc.shutdown(fd.rawValue, how)
}

func system_setsockopt(
    _ fd: Descriptor, _ level: Int32, _ name: Int32, _ value: UnsafeRawPointer?,
    _ length: socklen_t
) -> Int32 {
    if SyscallFaults.fails(.setsockopt) { return -1 }
    return Glibc.setsockopt(fd.rawValue, level, name, value, length)
}

func system_getsockopt(
    _ fd: Descriptor, _ level: Int32, _ name: Int32, _ value: UnsafeMutableRawPointer?,
    _ length: UnsafeMutablePointer<socklen_t>?
) -> Int32 {
    if SyscallFaults.fails(.getsockopt) { return -1 }
    return Glibc.getsockopt(fd.rawValue, level, name, value, length)
}

func system_getsockname(
    _ fd: Descriptor, _ address: UnsafeMutablePointer<sockaddr>?,
    _ length: UnsafeMutablePointer<socklen_t>?
) -> Int32 {
    if SyscallFaults.fails(.getsockname) { return -1 }
    return Glibc.getsockname(fd.rawValue, address, length)
}

func system_getpeername(
    _ fd: Descriptor, _ address: UnsafeMutablePointer<sockaddr>?,
    _ length: UnsafeMutablePointer<socklen_t>?
) -> Int32 {
    if SyscallFaults.fails(.getpeername) { return -1 }
    return Glibc.getpeername(fd.rawValue, address, length)
}

// MARK: the loop's descriptors

func system_epoll_create1(_ flags: Int32) -> Int32 {
    if SyscallFaults.fails(.epollCreate) { return -1 }
    return epoll_create1(flags)
}

func system_epoll_ctl(
    _ epoll: Descriptor, _ operation: Int32, _ fd: Descriptor,
    _ event: UnsafeMutablePointer<epoll_event>?
) -> Int32 {
    if SyscallFaults.fails(.epollControl) { return -1 }
    return epoll_ctl(epoll.rawValue, operation, fd.rawValue, event)
}

func system_epoll_wait(
    _ epoll: Descriptor, _ events: UnsafeMutablePointer<epoll_event>?, _ count: Int32,
    _ milliseconds: Int32
) -> Int32 {
    if SyscallFaults.fails(.epollWait) { return -1 }
    return epoll_wait(epoll.rawValue, events, count, milliseconds)
}

func system_timerfd_create(_ clock: Int32, _ flags: Int32) -> Int32 {
    if SyscallFaults.fails(.timerfdCreate) { return -1 }
    return timerfd_create(clock, flags)
}

func system_timerfd_settime(_ fd: Descriptor, _ flags: Int32, _ value: inout itimerspec) -> Int32 {
    if SyscallFaults.fails(.timerfdSetTime) { return -1 }
    return timerfd_settime(fd.rawValue, flags, &value, nil)
}

func system_signalfd(_ signals: inout sigset_t, _ flags: Int32) -> Int32 {
    if SyscallFaults.fails(.signalfd) { return -1 }
    return signalfd(-1, &signals, flags)
}

// MARK: time

func system_clock_gettime(_ clock: clockid_t, _ time: inout timespec) -> Int32 {
    Glibc.clock_gettime(clock, &time)
}

func system_nanosleep(_ request: inout timespec, _ remaining: inout timespec) -> Int32 {
    if SyscallFaults.fails(.nanosleep) { return -1 }
    return Glibc.nanosleep(&request, &remaining)
}

// MARK: results as descriptors

/// A call that returns a new descriptor (open, socket, accept, epoll_create1, …): the
/// descriptor, or the errno.
func descriptorOrErrno(_ value: Int32) -> Result<Descriptor, Errno> {
    valueOrErrno(value).map(Descriptor.init(rawValue:))
}
