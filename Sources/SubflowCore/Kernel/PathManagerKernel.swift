import MPTCPWire
import SubflowPolicy

/// Where the core sends path-manager commands: the live kernel link, or a simulated kernel
/// in tests and replay. `completion` runs later on the event-loop thread, exactly once.
public protocol PathManagerKernel: AnyObject {
    func submit(_ command: MPTCPCommand, completion: @escaping (CommandResult) -> Void)
}
