import Logging
import SubflowCore
import SubflowPolicy
import SubflowSimulation
import Testing

@testable import SubflowTestSupport

/// Policies keep their context strongly (as every shipped plugin does): the manager must not
/// leave a policy and its slot holding each other after a reload or when it goes away
/// (AddressSanitizer's leak check found every replay and every reload leaking them).
@Suite struct PolicyLifetimeTests {
    /// A policy that holds its context, like FullMesh, and tells when it is freed.
    final class Probe: PathPolicy {
        let context: any PolicyContext
        init(context: any PolicyContext) { self.context = context }
        func handle(_ event: PolicyEvent) {}
    }

    static func registration(_ made: @escaping (Probe) -> Void) -> PolicyRegistration {
        PolicyRegistration(name: "probe", summary: "test") { context, _ in
            let probe = Probe(context: context)
            made(probe)
            return probe
        }
    }

    static func manager() -> (PathManager, ManualScheduler) {
        let scheduler = ManualScheduler()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        return (
            PathManager(kernel: SimulatedKernel(scheduler: scheduler), scheduler: scheduler, logger: logger), scheduler
        )
    }

    @Test func aPolicyIsFreedWithItsManager() throws {
        weak var policy: Probe?
        do {
            let (manager, _) = Self.manager()
            try manager.load(Self.registration { policy = $0 }, settings: PolicySettings(), origin: "test")
            #expect(policy != nil)
        }
        #expect(policy == nil, "the policy outlived its manager")
    }

    @Test func aReplacedPolicyIsFreed() throws {
        weak var first: Probe?
        let (manager, _) = Self.manager()
        try manager.load(Self.registration { first = $0 }, settings: PolicySettings(), origin: "test")
        try manager.replacePolicies(
            [(Self.registration { _ in }, PolicySettings(), "test")], selection: PolicySelection())
        #expect(first == nil, "the replaced policy is still alive")
        #expect(manager.policyNames == ["probe"])
    }
}
