import SubflowConfiguration
import SubflowFormats
import SubflowPolicy
import SubflowSystem

/// The mode subflowd will run the namespace in, and how to get there.
struct ModeDecision {
    let check: KernelModeCheck
    let plan: KernelModeCheck.Plan
}

extension Daemon {
    /// Step 1: refuses to start without CAP_NET_ADMIN or in a namespace subflowd cannot serve.
    /// Only reads: the namespace is switched (with --set-path-manager) once the kernel link is
    /// up (`switchModeIfPlanned`), so a daemon that exits before that leaves it as it was.
    func checkMode(systemd: SystemdNotifier) throws(StartupFailure) -> ModeDecision {
        if let capabilities = ProcessCapabilities.current(), !capabilities.has(.netAdmin) {
            throw refuse(Daemon.missingNetAdmin, status: ExitStatus.permissionDenied, systemd: systemd)
        }
        let check = KernelModeCheck()
        let plan: KernelModeCheck.Plan
        do { plan = try check.plan(setMode: configuration.setPathManager) } catch {
            throw refuse("\(error)", status: ExitStatus.configurationError, systemd: systemd)
        }
        logger.info("subflowd \(ProductVersion.current) (policy API \(PolicyABI.version)): \(plan.mode)")
        return ModeDecision(check: check, plan: plan)
    }

    /// The events group is joined: subflowd will serve the namespace, so switch it now.
    /// False (the loop is stopping, exit EX_NOPERM) when the sysctls cannot be written.
    func switchModeIfPlanned(_ mode: ModeDecision, loop: EventLoop) -> Bool {
        do { try mode.check.apply(mode.plan) } catch {
            logger.critical("\(error)")
            exitStatus = ExitStatus.permissionDenied
            loop.stop()
            return false
        }
        if !mode.plan.writes.isEmpty {
            logger.notice("set \(mode.plan.writes.map { "\($0.name)=\($0.value)" }.joined(separator: ", "))")
        }
        return true
    }
}
