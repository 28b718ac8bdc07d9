import SubflowConfiguration
import SubflowCore
import SubflowFormats

extension Daemon {
    /// Step 3: the PathManager, driving the kernel link, with the configured policy plugins
    /// loaded, their settings applied and the rules that choose between them.
    func loadPolicies(_ kernel: KernelInterfaces) throws(StartupFailure) -> PathManager {
        let manager = PathManager(
            kernel: SignalDropCheck(kernel.link, logger: logger), scheduler: LoopScheduler(loop: kernel.loop),
            logger: logger, filter: configuration.filter)
        manager.listeners.backend = ListenerSockets(loop: kernel.loop, logger: logger)
        do {
            let loaded = try PolicyLoading.load(configuration, directories: directories)
            try PolicyLoading.install(loaded, into: manager, configuration: configuration)
        } catch {
            logger.critical("\(error)")
            throw StartupFailure(exitStatus: ExitStatus.configurationError)
        }
        manager.selection = PolicySelection(rules: configuration.rules.map(\.rule))
        return manager
    }
}
