import SubflowFormats
import SubflowSystem

/// The sockets subflowd talks to the kernel through, all served on one loop.
struct KernelInterfaces {
    let loop: EventLoop
    /// mptcp_pm commands and events (generic netlink).
    let link: KernelLink
    /// Interfaces and addresses (rtnetlink).
    let monitor: NetworkMonitor
}

extension Daemon {
    /// Step 2: opens the event loop and the netlink sockets. Nothing is sent yet: the link
    /// resolves the mptcp_pm family when `serve` starts it.
    func openKernelLink() throws(StartupFailure) -> KernelInterfaces {
        do {
            let loop = try EventLoop()
            let link = try KernelLink(
                loop: loop, logger: logger, eventsReceiveBuffer: configuration.eventsReceiveBufferBytes)
            let monitor = try NetworkMonitor(loop: loop, logger: logger)
            return KernelInterfaces(loop: loop, link: link, monitor: monitor)
        } catch {
            logger.critical("cannot open the kernel interfaces: \(error) (subflowd needs root or CAP_NET_ADMIN)")
            throw StartupFailure(exitStatus: ExitStatus.unavailable)
        }
    }
}
