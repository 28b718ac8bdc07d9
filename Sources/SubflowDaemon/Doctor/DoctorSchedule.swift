/// When the daemon runs its doctor checks next (pure: the caller passes the time).
///
/// A change that can cause a finding (an address or link coming or going) does not run the
/// checks at once: interfaces come up in bursts (link, then one address per family, then
/// DAD), and checking half-way would log findings that clear a moment later. The checks run
/// once the changes have settled for `settleMilliseconds`, but no later than
/// `longestWaitMilliseconds` after the first pending change, so a link that flaps for ever
/// is still checked. Runs never overlap: a change seen during a run is kept and runs after it.
/// With the settle time, that is at most one run per `settleMilliseconds` however many
/// changes arrive.
struct DoctorSchedule {
    let settleMilliseconds: UInt64
    let longestWaitMilliseconds: UInt64

    init(settleMilliseconds: UInt64 = 1000, longestWaitMilliseconds: UInt64 = 10_000) {
        self.settleMilliseconds = settleMilliseconds
        self.longestWaitMilliseconds = max(longestWaitMilliseconds, settleMilliseconds)
    }

    /// A run is in flight.
    private(set) var running = false
    private var firstChange: UInt64?
    private var lastChange: UInt64?
    private var immediate = false

    /// Something changed at `now` that may cause or clear a finding.
    mutating func changed(at now: UInt64) {
        if firstChange == nil { firstChange = now }
        lastChange = max(lastChange ?? now, now)
    }

    /// Run as soon as possible (at start, and for the periodic look): no settling.
    mutating func requestNow(at now: UInt64) {
        changed(at: now)
        immediate = true
    }

    /// When the pending run is due; nil when nothing is pending.
    var dueAt: UInt64? {
        guard let firstChange, let lastChange else { return nil }
        if immediate { return firstChange }
        return min(lastChange + settleMilliseconds, firstChange + longestWaitMilliseconds)
    }

    /// True when a run should start now (one is due and none is in flight); the pending
    /// changes are then taken by that run.
    mutating func startIfDue(at now: UInt64) -> Bool {
        guard !running, let due = dueAt, now >= due else { return false }
        running = true
        firstChange = nil
        lastChange = nil
        immediate = false
        return true
    }

    /// The run in flight has finished; `dueAt` tells whether another is pending.
    mutating func finished() { running = false }
}
