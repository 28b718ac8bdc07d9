import SubflowCore

extension Daemon {
    /// Step 6b: the daemon's own doctor (Doctor/DaemonDoctor.swift). It runs first when start-up
    /// is over (`markReady`), then after every interface or address change the monitor reports,
    /// and keeps the control plane's findings current for `subflowctl status` and the metrics.
    func startDoctor(_ kernel: KernelInterfaces, _ control: ControlPlane) -> DaemonDoctor {
        let scheduler = LoopScheduler(loop: kernel.loop)
        let doctor = DaemonDoctor(
            scheduler: scheduler, runner: BackgroundDoctorRunner(scheduler: scheduler), logger: logger)
        doctor.onReport = { [state = control.state] findings, microseconds in
            state.findings = findings
            state.doctorMicroseconds = microseconds
        }
        let handle = kernel.monitor.onMessage
        kernel.monitor.onMessage = { [unowned doctor] message in
            handle(message)
            doctor.networkChanged()
        }
        return doctor
    }
}
