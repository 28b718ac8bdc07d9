import Logging
import SubflowSystem

/// A start-up step could not complete. The step has logged why; the daemon exits with
/// `exitStatus` (sysexits(3), see `Daemon`).
struct StartupFailure: Error {
    let exitStatus: Int32
}

extension Daemon {
    /// A refusal before anything was opened: said on the log and in systemd's STATUS=, so that
    /// `systemctl status` shows why the unit did not start.
    func refuse(_ message: String, status: Int32, systemd: SystemdNotifier) -> StartupFailure {
        logger.critical("refusing to start: \(message)")
        systemd.notify(["STATUS=refusing to start: \(message)"])
        return StartupFailure(exitStatus: status)
    }
}
