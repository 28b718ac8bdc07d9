import SubflowConfiguration
import SubflowCore
import SubflowDoctor
import SubflowSystem

/// What the control socket and the metrics report from: the live PathManager (connections,
/// network, counters, policies), facts about this daemon, and what the control plane counts
/// itself from the manager's observer. Everything is read and written on the loop thread.
package final class ControlState {
    let manager: PathManager
    /// Monotonic milliseconds when the daemon started serving.
    let startedAt: UInt64
    /// The kernel's path-manager mode as found (or set) at start.
    let pathManagerAtStart: String
    private(set) var commands = CommandTally()
    private(set) var ages = ConnectionAges()
    /// Control-socket clients connected now, monitors among them.
    var clients = 0
    var monitors = 0
    /// Monitors disconnected for falling behind, and clients refused by credentials.
    var monitorsDropped = 0
    var clientsRefused = 0
    /// The daemon's doctor: the findings of its latest run, and how long that run took in microseconds
    /// (nil until the first run is over).
    var findings: [Finding] = []
    var doctorMicroseconds: UInt64?

    package init(manager: PathManager, pathManagerAtStart: String, startedAt: UInt64 = MonotonicClock.nowMilliseconds) {
        self.manager = manager
        self.pathManagerAtStart = pathManagerAtStart
        self.startedAt = startedAt
    }

    var uptimeSeconds: Double { Double(MonotonicClock.nowMilliseconds - startedAt) / 1000 }

    /// The path manager this network namespace selects now (`net.mptcp.path_manager`, or
    /// `pm_type` on kernels before 6.15): someone may have switched it since the start.
    var pathManagerNow: String {
        if let mode = Sysctl.read("net.mptcp.path_manager") { return mode }
        if let type = Sysctl.read("net.mptcp.pm_type") { return type == "1" ? "userspace" : "kernel" }
        return "unknown"
    }

    /// Updates the tallies with one observation of the manager.
    func note(_ observation: PathManager.Observation) {
        commands.note(observation)
        if case .event(let event) = observation {
            let connections = manager.connections
            ages.note(
                event, now: MonotonicClock.nowMilliseconds,
                live: { connections[$0] != nil }, liveCount: connections.count)
        }
    }
}
