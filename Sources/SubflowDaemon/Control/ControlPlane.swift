import Logging
import SubflowConfiguration
import SubflowCore
import SubflowSystem

/// Everything that lets people look into a running subflowd: the control socket (status,
/// connections, monitor, metrics for `subflowctl`) and the optional Prometheus listener,
/// fed by the PathManager's observer. Created once the policies are loaded; `close()` at
/// shutdown removes the socket file.
///
/// Only configuration mistakes stop the daemon (an unknown group, a bad listen address). A
/// socket that cannot be opened — the path held by another live subflowd, say one in another
/// network namespace of the same host, or the port taken — is logged as an error and the
/// daemon runs on without it: managing paths matters more than being observable.
final class ControlPlane {
    let state: ControlState
    private(set) var server: ControlServer?
    private(set) var metrics: MetricsHTTPServer?

    init(
        configuration: Configuration, manager: PathManager, loop: EventLoop, pathManagerMode: String,
        logger: Logger
    ) throws(ControlSettings.Problem) {
        let settings = try ControlSettings(configuration)
        state = ControlState(manager: manager, pathManagerAtStart: pathManagerMode)
        if let path = settings.socketPath {
            do {
                server = try ControlServer(path: path, settings: settings, loop: loop, state: state, logger: logger)
                let mode = String(settings.socketMode, radix: 8)
                logger.info(
                    "control socket \(path) (mode 0\(mode)\(settings.group.map { ", group \($0.name)" } ?? ""))")
            } catch {
                logger.error(
                    """
                    no control socket: \(error). subflowd runs on without it; give each subflowd on this \
                    host its own --control-socket PATH (or --control-socket none)
                    """)
            }
        }
        if let address = settings.metricsAddress {
            do {
                metrics = try MetricsHTTPServer(address: address, loop: loop, state: state, logger: logger)
                logger.info("serving Prometheus metrics on http://\(address)/metrics")
            } catch {
                logger.error("no metrics listener: \(error); subflowd runs on without it")
            }
        }
        manager.observer = { [state, weak server = self.server] observation in
            state.note(observation)
            server?.publish(observation)
        }
    }

    func close() {
        state.manager.observer = nil
        server?.close()
        metrics?.close()
    }
}
