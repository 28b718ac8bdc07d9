import MPTCPWire
import SubflowCore
import SubflowSystem

extension Daemon {
    /// Step 6, once the loop runs: what happens when each readiness piece comes in, and READY=1
    /// when both have (`StartupReadiness`).
    func recoverWhenReady(
        _ kernel: KernelInterfaces, _ manager: PathManager, mode: ModeDecision, systemd: SystemdNotifier
    ) {
        readinessStarted = MonotonicClock.nowMilliseconds
        kernel.link.onReady = { [unowned self] family in
            guard self.switchModeIfPlanned(mode, loop: kernel.loop) else { return }
            self.recover(family, manager)
            self.markReady(.kernelLinkRecovered, manager, systemd: systemd)
        }
        kernel.monitor.onSynchronised = { [unowned self] in
            self.markReady(.networkSynchronised, manager, systemd: systemd)
        }
    }

    /// State recovery (SubflowCore/Recovery, docs/recovery.md). The kernel has no command that
    /// lists connections. As soon as the events group is joined (KernelLink calls onReady right
    /// after the join, before any queued event is read), rebuild the connections that already
    /// exist — subflowd restarted, or crashed — from the kernel's socket diagnostics and hand
    /// each one to its policy. Events raised meanwhile are read afterwards and only update the
    /// adopted state; none is missed.
    private func recover(_ family: GenericFamily, _ manager: PathManager) {
        recovered =
            StartupRecovery(manager: manager, logger: logger).run(from: LiveKernelSnapshot(familyID: family.id)).adopted
    }

    private func markReady(_ piece: StartupReadiness.Piece, _ manager: PathManager, systemd: SystemdNotifier) {
        guard readiness.markReady(piece) else { return }
        // The network picture is complete only now: subflows recovered on addresses gone meanwhile.
        manager.retireUnusableSubflows(of: recovered)
        manager.startLivenessChecks(intervalMilliseconds: UInt64(configuration.livenessIntervalSeconds) * 1000)
        logger.notice(
            "ready in \(MonotonicClock.nowMilliseconds - readinessStarted) ms: policy \(manager.policyNames.joined(separator: ", ")), \(manager.network.usable.count) usable local addresses"
        )
        systemd.notify(["READY=1", "STATUS=\(status(manager))"])
        doctor?.start()
    }
}
