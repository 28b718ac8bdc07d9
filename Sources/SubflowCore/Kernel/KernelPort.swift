import MPTCPWire
import SubflowPolicy

/// Where the core sends path-manager commands: the live kernel link, or a simulated kernel
/// in tests and replay. `completion` runs later on the event-loop thread, exactly once.
public protocol KernelPort: AnyObject {
    func submit(_ command: MPTCPCommand, completion: @escaping (CommandResult) -> Void)
}

/// Time and timers for the core: the ELL loop live, a manual clock in tests and replay.
public protocol Scheduler: AnyObject {
    var nowMilliseconds: UInt64 { get }
    func schedule(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) -> any ScheduledTask
}
