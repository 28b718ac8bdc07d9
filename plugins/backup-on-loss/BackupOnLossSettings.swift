import SubflowPolicy

extension BackupOnLoss {
    /// How the backup path waits while the primary path works.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// A backup subflow is opened at once with the backup flag (MP_JOIN backup bit): both
        /// schedulers keep it idle; failover only clears the flag (MP_PRIO).
        case standby
        /// No backup subflow until the primary path is lost (no data, no keep-alives on a
        /// metered link); failover opens it.
        case onDemand = "on-demand"
    }

    /// backup-on-loss's settings (`--set KEY=VALUE`, or `--set backup-on-loss.KEY=VALUE`).
    /// `primary` and `backup` have no default: the policy refuses to start without them.
    public struct Settings: Sendable, Hashable {
        /// Interface names or `*`/`?` patterns of the preferred path (`primary`).
        public var primary: [String]
        /// Interface names or patterns of the fallback path (`backup`). An interface matching
        /// both lists is a backup interface, so `primary=*` `backup=wwan*` means "everything but LTE".
        public var backup: [String]
        public var mode: Mode = .standby
        /// How long a returning primary path must stay usable before traffic moves back (`hold-time-ms`).
        public var holdTimeMilliseconds: UInt64 = 3000
        /// Bind each subflow to its interface with IF_IDX (`bind-to-device`).
        public var bindToDevice = true
        /// A join unanswered this long is logged (`join-timeout-ms`); it stays the key's attempt
        /// until the kernel closes it (its SYN retries run about two minutes by default).
        public var joinTimeoutMilliseconds: UInt64 = 5000
        /// First delay before a failed backup join or flag change is retried; doubles each
        /// time (`retry-initial-ms`).
        public var retryInitialMilliseconds: UInt64 = 200
        /// Upper bound of that delay (`retry-max-ms`).
        public var retryMaxMilliseconds: UInt64 = 10_000

        public init(primary: [String], backup: [String]) {
            self.primary = primary
            self.backup = backup
        }

        public init(_ settings: PolicySettings) throws {
            primary = try Self.patterns("primary", settings)
            backup = try Self.patterns("backup", settings)
            if let shared = backup.first(where: primary.contains) {
                throw PolicySettingError(
                    key: "backup", value: settings.values["backup"] ?? "",
                    expected: "patterns not also listed in primary ('\(shared)' is in both)")
            }
            let modeText = settings.string("mode", default: mode.rawValue)
            guard let mode = Mode(rawValue: modeText.lowercased()) else {
                throw PolicySettingError(key: "mode", value: modeText, expected: "standby or on-demand")
            }
            self.mode = mode
            holdTimeMilliseconds = UInt64(
                try settings.integer(
                    "hold-time-ms", default: Int(holdTimeMilliseconds),
                    range: 0...3_600_000))
            bindToDevice = try settings.boolean("bind-to-device", default: bindToDevice)
            joinTimeoutMilliseconds = UInt64(
                try settings.integer(
                    "join-timeout-ms", default: Int(joinTimeoutMilliseconds),
                    range: 100...600_000))
            retryInitialMilliseconds = UInt64(
                try settings.integer(
                    "retry-initial-ms", default: Int(retryInitialMilliseconds),
                    range: 10...600_000))
            retryMaxMilliseconds = UInt64(
                try settings.integer(
                    "retry-max-ms", default: Int(retryMaxMilliseconds),
                    range: Int(retryInitialMilliseconds)...3_600_000))
        }

        /// Delay before retry number `attempt` (1-based): initial × 2^(attempt-1), capped.
        public func retryDelay(attempt: Int) -> UInt64 {
            let shift = UInt64(min(max(attempt - 1, 0), 32))
            return min(retryInitialMilliseconds << shift, retryMaxMilliseconds)
        }

        /// A required, non-empty list of interface names or patterns (IFNAMSIZ: 15 bytes).
        private static func patterns(_ key: String, _ settings: PolicySettings) throws -> [String] {
            let list = settings.list(key)
            let expected = "one or more interface names or patterns, e.g. \(key == "primary" ? "eth0,wlan*" : "wwan0")"
            guard !list.isEmpty else {
                throw PolicySettingError(key: key, value: settings.values[key] ?? "(missing)", expected: expected)
            }
            for pattern in list where !InterfacePattern.isValid(pattern) {
                throw PolicySettingError(
                    key: key, value: pattern, expected: "\(expected) (at most 15 bytes, no '/' or ':')")
            }
            return list
        }
    }
}
