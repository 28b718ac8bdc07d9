import SubflowCore
import SubflowFormats
import SubflowSystem

extension Daemon {
    /// Step 7: starts the monitor and the link and runs the loop until SIGINT/SIGTERM (or a
    /// fatal link error); meanwhile feeds the systemd watchdog and reloads on SIGHUP.
    func serve(_ kernel: KernelInterfaces, _ manager: PathManager, systemd: SystemdNotifier) -> Int32 {
        let loop = kernel.loop
        let link = kernel.link
        link.onFatal = { [logger, unowned self] message in
            logger.critical("\(message)")
            systemd.notify(["STATUS=stopped: \(message)"])
            self.exitStatus = ExitStatus.permissionDenied
            loop.stop()
        }
        // WATCHDOG=1 only while the kernel answers the link probe and the sockets are watched.
        let watchdog = systemd.watchdogIntervalMilliseconds.map { interval in
            LinkWatchdog(
                scheduler: LoopScheduler(loop: loop), logger: logger, intervalMilliseconds: interval,
                probe: { link.probe(answered: $0) }, isWatched: { link.isWatched },
                feed: { [unowned self] in systemd.notify(["WATCHDOG=1", "STATUS=\(self.status(manager))"]) })
        }
        watchdog?.start()
        defer { watchdog?.stop() }
        do {
            try loop.onSignal(SignalNumber.hangUp) { [unowned self] in
                systemd.notify(["RELOADING=1", "MONOTONIC_USEC=\(MonotonicClock.nowMicroseconds)"])
                self.reload(manager)
                systemd.notify(["READY=1", "STATUS=\(self.status(manager))"])
            }
        } catch {
            logger.warning("SIGHUP will not reload the configuration: \(error)")
        }
        kernel.monitor.start()
        link.start()

        loop.run { [logger] signal in
            logger.notice("signal \(signal): stopping")
            systemd.notify(["STOPPING=1"])
            loop.stop()
        }
        manager.stop()
        manager.listeners.closeAll()
        let c = manager.counters
        logger.info(
            "stopped: \(c.events.values.reduce(0, +)) events, \(c.commandsSent) commands (\(c.commandsFailed) failed)")
        return exitStatus
    }
}
