import SubflowPolicy

extension FullMesh {
    /// fullmesh's settings, read from the `[policy.fullmesh]` configuration section.
    public struct Settings: Sendable, Hashable {
        /// Subflows per connection at most, the initial one included (`max-subflows`).
        public var maxSubflows = 8
        /// Retries of a failed path before giving up on it until something changes (`retry-limit`).
        public var retryLimit = 6
        /// First retry delay; each further retry doubles it (`retry-initial-ms`).
        public var retryInitialMilliseconds: UInt64 = 500
        /// Upper bound of the retry delay (`retry-max-ms`).
        public var retryMaxMilliseconds: UInt64 = 30_000
        /// How long a join may stay unanswered before fullmesh logs it (`join-timeout-ms`); the pair
        /// is retried only once the kernel closes that attempt.
        public var joinTimeoutMilliseconds: UInt64 = 15_000
        /// Bind each subflow to the interface that holds its local address (`bind-to-device`),
        /// so it leaves through that interface even without per-source routing rules.
        public var bindToDevice = true

        public init() {}

        public init(_ settings: PolicySettings) throws {
            maxSubflows = try settings.integer("max-subflows", default: maxSubflows, range: 1...256)
            retryLimit = try settings.integer("retry-limit", default: retryLimit, range: 0...100)
            retryInitialMilliseconds = UInt64(
                try settings.integer("retry-initial-ms", default: Int(retryInitialMilliseconds), range: 1...3_600_000))
            retryMaxMilliseconds = UInt64(
                try settings.integer("retry-max-ms", default: Int(retryMaxMilliseconds), range: 1...3_600_000))
            joinTimeoutMilliseconds = UInt64(
                try settings.integer("join-timeout-ms", default: Int(joinTimeoutMilliseconds), range: 100...3_600_000))
            bindToDevice = try settings.boolean("bind-to-device", default: bindToDevice)
        }

        /// Delay before retry number `attempt` (1-based): initial × 2^(attempt-1), capped.
        public func retryDelay(attempt: Int) -> UInt64 {
            let shift = UInt64(min(max(attempt - 1, 0), 32))
            return min(retryInitialMilliseconds << shift, retryMaxMilliseconds)
        }
    }
}
