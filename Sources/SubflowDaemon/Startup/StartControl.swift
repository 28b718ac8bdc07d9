import SubflowCore
import SubflowFormats

extension Daemon {
    /// Step 4: the control socket (subflowctl status|connections|monitor|metrics) and the
    /// optional Prometheus listener, fed by manager.observer (Control/ControlPlane.swift). Only
    /// a configuration mistake stops the daemon here; an unavailable socket is logged.
    func startControl(
        _ manager: PathManager, _ kernel: KernelInterfaces, mode: ModeDecision
    ) throws(StartupFailure) -> ControlPlane {
        do {
            return try ControlPlane(
                configuration: configuration, manager: manager, loop: kernel.loop,
                pathManagerMode: mode.plan.mode.pathManager, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw StartupFailure(exitStatus: ExitStatus.configurationError)
        }
    }
}
