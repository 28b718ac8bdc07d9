import SubflowPolicy

/// Time and timers for the core: the ELL loop live, a manual clock in tests and replay.
public protocol Scheduler: AnyObject {
    var nowMilliseconds: UInt64 { get }
    func schedule(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) -> any ScheduledTask
}
