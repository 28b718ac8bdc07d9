import SubflowCore

extension Daemon {
    /// Hands what the kernel reports to the PathManager: mptcp_pm events and lost-event
    /// signals from the link, interface and address changes from the monitor.
    func routeEvents(_ kernel: KernelInterfaces, to manager: PathManager) {
        let link = kernel.link
        link.onEvent = { manager.handle($0) }
        // Lost events: resync from the kernel once the events socket is drained (docs/recovery.md).
        let resync = EventResynchroniser(manager: manager, logger: logger) { [unowned link] known in
            LiveKernelSnapshot(familyID: link.familyID ?? 0, knownTokens: known)
        }
        link.onOverrun = { manager.eventsOverrun() }
        link.onEventsLost = { resync.resynchronise() }
        link.onRepliesLost = { manager.kernelAnswersLost($0, overrun: true) }
        link.onUnanswered = { manager.kernelAnswersLost($0, overrun: false) }
        link.onMalformed = { manager.malformed($0) }
        let monitor = kernel.monitor
        monitor.onMessage = { manager.handle($0) }
        monitor.onMalformed = { manager.malformed($0) }
        monitor.onOverrun = { manager.beginNetworkResync() }
        monitor.onResynchronised = { manager.endNetworkResync() }
    }
}
