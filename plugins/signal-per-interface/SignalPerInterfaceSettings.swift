import SubflowPolicy

extension SignalPerInterface {
    /// signal-per-interface's settings (`--set signal-per-interface.KEY=VALUE`).
    public struct Settings: Sendable, Hashable {
        /// Least time between two signals (ADD_ADDR or RM_ADDR) on one connection
        /// (`announce-interval-ms`). The kernel keeps one pending signal per connection and
        /// drops the ADD_ADDR of an ANNOUNCE that arrives while the previous one is still
        /// pending. 0 sends them back to back (only useful to test the drop check).
        public var intervalMilliseconds: UInt64 = 100
        /// How many times an announcement whose ADD_ADDR the kernel dropped is sent again
        /// (`announce-retries`).
        public var retries = 3

        public init() {}

        public init(_ settings: PolicySettings) throws {
            intervalMilliseconds = UInt64(
                try settings.integer("announce-interval-ms", default: Int(intervalMilliseconds), range: 0...60_000))
            retries = try settings.integer("announce-retries", default: retries, range: 0...20)
        }

        /// Wait before re-sending an announcement the kernel dropped, for the `attempt`-th
        /// time (1-based): the interval (at least 50 ms) doubled for each earlier attempt.
        public func retryDelay(attempt: Int) -> UInt64 {
            max(intervalMilliseconds, 50) << UInt64(min(max(attempt - 1, 0), 10))
        }
    }
}
