import Logging
import MPTCPWire
import SubflowCore
import SubflowPolicy
import SubflowSimulation
import SubflowSystem
import Testing

@testable import PathManagerHarness
@testable import SubflowTestSupport

/// Start-up recovery (SubflowCore/Recovery): snapshots as the kernel's socket diagnostics show
/// them become connection states (RecoveryPlanner), and adopted connections are managed like
/// any other (StartupRecovery, PathManager.adoptRecovered) — without duplicating a subflow.
///
/// The snapshots mirror the real captures of Tests/MPTCPWireTests/DiagTests.swift: a client
/// with two paths A (198.18.1.0/24) and B (198.18.2.0/24) whose server announced 198.18.2.2.
@Suite("Recovery")
struct RecoveryTests {
    static let token: UInt32 = 3975605535
    static let clientA = SocketEndpoint(IPAddress("198.18.1.1")!, port: 51758)
    static let serverA = SocketEndpoint(IPAddress("198.18.1.2")!, port: 5201)
    static let serverB = SocketEndpoint(IPAddress("198.18.2.2")!, port: 5201)

    // MARK: Snapshot building blocks

    /// An msk as the MPTCP dump shows it, with a 6.18 `struct mptcp_info`.
    static func msk(
        _ token: UInt32, _ local: SocketEndpoint, _ remote: SocketEndpoint, state: TCPState = .established,
        fallback: Bool = false
    ) -> MPTCPConnectionSocket {
        var info = [UInt8](repeating: 0, count: MPTCPInfo.newestKnownSize)
        info[8] = fallback ? 0x3 : 0x2  // MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED (+ FALLBACK)
        for i in 0..<4 { info[12 + i] = UInt8(truncatingIfNeeded: token >> (8 * UInt32(i))) }
        let socket = InetDiagSocket(
            family: local.family, state: state, local: local, remote: remote, cookie: UInt64(token))
        return MPTCPConnectionSocket(socket: socket, info: MPTCPInfo(bytes: info))
    }

    /// A subflow as the TCP dump shows it.
    static func subflow(
        _ token: UInt32, _ local: String, _ localPort: UInt16, _ remote: SocketEndpoint,
        ids: (UInt8, UInt8), _ flags: MPTCPSubflowFlags, state: TCPState = .established,
        device: Int32? = nil
    ) -> MPTCPSubflowSocket {
        let socket = InetDiagSocket(
            family: remote.family, state: state, local: SocketEndpoint(IPAddress(local)!, port: localPort),
            remote: remote, interface: device.map(InterfaceIndex.init(rawValue:)))
        return MPTCPSubflowSocket(
            socket: socket,
            mptcp: MPTCPSubflowDiagInfo(
                localToken: ConnectionToken(token),
                localID: AddressID(ids.0), remoteID: AddressID(ids.1),
                flags: flags))
    }

    static let initialClient: MPTCPSubflowFlags = [.mpCapableRemote, .mpCapableLocal, .fullyEstablished, .connected]
    static let initialServer: MPTCPSubflowFlags = [.mpCapableRemote, .fullyEstablished, .connected]
    static let joinedHere: MPTCPSubflowFlags = [.joinRemote, .joinLocal, .fullyEstablished, .connected]
    static let joinedByPeer: MPTCPSubflowFlags = [.joinRemote, .fullyEstablished, .connected]

    /// The 2 × 2 mesh of the capture: the initial subflow A→A, and joins B→A, A→B, B→B.
    static var meshSnapshot: KernelSnapshot {
        KernelSnapshot(
            connections: [msk(token, clientA, serverA)],
            subflows: [
                subflow(token, "198.18.2.1", 43387, serverB, ids: (1, 1), joinedHere, device: 3),
                subflow(token, "198.18.1.1", 45243, serverB, ids: (0, 1), joinedHere, device: 2),
                subflow(token, "198.18.2.1", 36233, serverA, ids: (1, 0), joinedHere, device: 3),
                subflow(token, "198.18.1.1", 51758, serverA, ids: (0, 0), initialClient),
                subflow(99, "198.18.1.1", 40000, serverA, ids: (0, 0), initialClient),  // another connection's
            ],
            addressTables: [
                ConnectionToken(token): .entries([
                    AddressEntry(
                        IPAddress("198.18.2.1")!, id: AddressID(1), flags: .subflow, interface: InterfaceIndex(3)),
                    AddressEntry(IPAddress("198.18.1.1")!, id: .initial, flags: .subflow, interface: InterfaceIndex(2)),
                ])
            ])
    }

    // MARK: Planning

    @Test func rebuildsTheClientMeshWithEverySubflow() throws {
        let plan = RecoveryPlanner.plan(Self.meshSnapshot)
        #expect(plan.skipped.isEmpty)
        let recovered = try #require(plan.adopted.first)
        let state = recovered.state
        #expect(state.token == ConnectionToken(Self.token))
        #expect(state.side == .client && recovered.side == .initialSubflowSentMPCapable)
        #expect(state.local == Self.clientA && state.remote == Self.serverA)
        #expect(state.established)
        #expect(
            state.subflows.map(\.description) == [
                "198.18.1.1:51758#0 -> 198.18.1.2:5201#0",
                "198.18.1.1:45243#0 -> 198.18.2.2:5201#1",
                "198.18.2.1:36233#1 -> 198.18.1.2:5201#0",
                "198.18.2.1:43387#1 -> 198.18.2.2:5201#1",
            ], "the initial subflow first, the others by 4-tuple; nothing of token 99")
        #expect(state.subflows.map(\.interface) == [nil, InterfaceIndex(2), InterfaceIndex(3), InterfaceIndex(3)])
        #expect(state.localAddressIDs == [IPAddress("198.18.1.1")!: .initial, IPAddress("198.18.2.1")!: AddressID(1)])
        #expect(state.announcedByPeer == [AddressID(1): Self.serverB], "learned from the joins opened to it")
        #expect(state.announcedLocally.isEmpty)
        #expect(
            !state.denyJoinInitialEndpoint && recovered.joinToInitialEndpointSeen,
            "a join this host opened to the peer's initial endpoint shows the peer allowed it")
        #expect(
            Set(state.usedPaths.map(\.description)) == [
                "198.18.1.1 -> 198.18.1.2:5201", "198.18.1.1 -> 198.18.2.2:5201",
                "198.18.2.1 -> 198.18.1.2:5201", "198.18.2.1 -> 198.18.2.2:5201",
            ])
    }

    /// deny-join-id0 is in no dump: without evidence, recovery assumes the peer set it.
    @Test func assumesDenyJoinWithoutEvidence() throws {
        var snapshot = Self.meshSnapshot
        snapshot.subflows.removeAll { $0.socket.remote == Self.serverA && $0.mptcp.flags.contains(.joinLocal) }
        let recovered = try #require(RecoveryPlanner.plan(snapshot).adopted.first)
        #expect(recovered.state.denyJoinInitialEndpoint && !recovered.joinToInitialEndpointSeen)
        #expect(StartupRecovery.describe(recovered).hasSuffix("deny-join-id0 assumed (not recoverable)"))
    }

    @Test func serverSideFromTheInitialSubflowAndPeerJoinsAreNotAnnouncements() throws {
        let token: UInt32 = 3160550878
        let local = SocketEndpoint(IPAddress("198.18.1.2")!, port: 5201)
        let snapshot = KernelSnapshot(
            connections: [
                Self.msk(token, local, SocketEndpoint(IPAddress("198.18.1.1")!, port: 38468)),
                Self.msk(
                    0, SocketEndpoint(IPAddress("0.0.0.0")!, port: 5201), SocketEndpoint(IPAddress("0.0.0.0")!),
                    state: .listen),
            ],
            subflows: [
                Self.subflow(
                    token, "198.18.1.2", 5201, SocketEndpoint(IPAddress("198.18.1.1")!, port: 38468), ids: (0, 0),
                    Self.initialServer),
                Self.subflow(
                    token, "198.18.1.2", 5201, SocketEndpoint(IPAddress("198.18.2.1")!, port: 36213), ids: (0, 1),
                    Self.joinedByPeer),
            ],
            addressTables: [ConnectionToken(token): .entries([])])
        let plan = RecoveryPlanner.plan(snapshot)
        let recovered = try #require(plan.adopted.first)
        #expect(recovered.state.side == .server && recovered.side == .initialSubflowReceivedMPCapable)
        #expect(recovered.state.subflows.count == 2)
        #expect(
            recovered.state.announcedByPeer.isEmpty,
            "a join the peer opened comes from an ephemeral port, not an announcement")
        #expect(plan.listeners == [SocketEndpoint(IPAddress("0.0.0.0")!, port: 5201)])
        #expect(plan.skipped.isEmpty, "the listener is no connection")
    }

    /// Once the initial subflow is gone, the side comes from the listeners.
    @Test func sideWithoutTheInitialSubflow() throws {
        var snapshot = Self.meshSnapshot
        snapshot.subflows.removeAll { $0.mptcp.flags.contains(.mpCapableRemote) }
        #expect(RecoveryPlanner.plan(snapshot).adopted.first?.side == .noListenerOnLocalEndpoint)
        #expect(RecoveryPlanner.plan(snapshot).adopted.first?.state.side == .client)
        snapshot.connections.append(
            Self.msk(
                0, SocketEndpoint(IPAddress("::")!, port: Self.clientA.port),
                SocketEndpoint(IPAddress("::")!), state: .listen))
        let recovered = try #require(RecoveryPlanner.plan(snapshot).adopted.first)
        #expect(recovered.side == .listenerOnLocalEndpoint && recovered.state.side == .server)
    }

    /// A join still in its handshake holds its path; a closing subflow does not.
    @Test func subflowStatesThatCount() throws {
        var snapshot = Self.meshSnapshot
        snapshot.subflows[0].socket.state = .synSent
        snapshot.subflows[1].socket.state = .finWait1
        let state = try #require(RecoveryPlanner.plan(snapshot).adopted.first).state
        #expect(state.subflows.count == 3)
        #expect(state.subflows.contains { $0.local.port == 43387 })
        #expect(!state.subflows.contains { $0.local.port == 45243 })
    }

    /// No subflow finished the MPTCP handshake: adopted as created; ESTABLISHED follows.
    @Test func notFullyEstablishedIsAdoptedAsCreated() throws {
        var snapshot = Self.meshSnapshot
        snapshot.subflows = [
            Self.subflow(
                Self.token, "198.18.1.1", 51758, Self.serverA, ids: (0, 0),
                [.mpCapableRemote, .mpCapableLocal, .connected])
        ]
        #expect(try #require(RecoveryPlanner.plan(snapshot).adopted.first).state.established == false)
        snapshot.connections[0].socket.state = .synSent
        snapshot.subflows = []
        #expect(try #require(RecoveryPlanner.plan(snapshot).adopted.first).state.established == false)
    }

    @Test func announcedAddressesComeFromTheTable() throws {
        var snapshot = Self.meshSnapshot
        snapshot.addressTables[ConnectionToken(Self.token)] = .entries([
            AddressEntry(IPAddress("198.18.2.1")!, id: AddressID(1), flags: .subflow),
            AddressEntry(IPAddress("198.18.3.1")!, id: AddressID(5), port: 8080, flags: .signal),
        ])
        let state = try #require(RecoveryPlanner.plan(snapshot).adopted.first).state
        #expect(state.announcedLocally == [AddressID(5): SocketEndpoint(IPAddress("198.18.3.1")!, port: 8080)])
        #expect(state.localAddressIDs[IPAddress("198.18.3.1")!] == AddressID(5))
    }

    @Test func leavesAloneWhatIsNotOurs() {
        let other = SocketEndpoint(IPAddress("198.18.9.9")!, port: 1)
        let refusal = { (text: String) in
            KernelSnapshot.AddressTable.refused(KernelError(code: .invalidArgument, message: text))
        }
        let snapshot = KernelSnapshot(
            connections: [
                Self.msk(1, Self.clientA, other), Self.msk(2, Self.clientA, other),
                Self.msk(3, Self.clientA, other, fallback: true),
                Self.msk(4, Self.clientA, other, state: .timeWait), Self.msk(0, Self.clientA, other),
                Self.msk(5, Self.clientA, other), Self.msk(6, Self.clientA, other), Self.msk(7, Self.clientA, other),
            ],
            addressTables: [
                ConnectionToken(1): refusal("userspace PM not selected"), ConnectionToken(2): refusal("invalid token"),
                ConnectionToken(3): .entries([]), ConnectionToken(4): .entries([]),
                ConnectionToken(5): .unreadable("timed out"),
                ConnectionToken(6): .refused(KernelError(code: .operationNotPermitted)),
            ])
        let plan = RecoveryPlanner.plan(snapshot)
        #expect(plan.adopted.isEmpty)
        #expect(
            plan.skipped.map(\.reason) == [
                .noToken, .inKernelPathManager, .gone, .fallback, .closed(.timeWait),
                .addressTableUnavailable("timed out"), .addressTableUnavailable("EPERM"),
                .addressTableUnavailable("not asked"),
            ])
        #expect(
            plan.skipped[1].description
                == "connection 1 198.18.1.1:51758 -> 198.18.9.9:1: it uses the in-kernel path manager")
    }

    /// A kernel that lists its endpoints for any token cannot tell the path managers apart.
    @Test func adoptsNothingWhenTheKernelIgnoresTheToken() {
        var snapshot = Self.meshSnapshot
        snapshot.addressTablesIgnoreToken = true
        let plan = RecoveryPlanner.plan(snapshot)
        #expect(plan.adopted.isEmpty)
        guard case .addressTableUnavailable(let why)? = plan.skipped.first?.reason else {
            Issue.record("\(plan.skipped)"); return
        }
        #expect(why.contains("Linux before 6.10"))
    }
}

// MARK: - Adoption

extension RecoveryTests {
    /// A snapshot source for tests.
    struct FixedSnapshot: KernelSnapshotSource {
        var result: Result<KernelSnapshot, RecoveryError>
        func read() throws(RecoveryError) -> KernelSnapshot { try result.get() }
    }

    /// The harness with fullmesh and the client's two paths, and the kernel knowing the token.
    static func harness() throws -> Harness {
        let h = try Harness()
        h.link(2, "cli-a"); h.link(3, "cli-b")
        h.address("198.18.1.1", on: 2); h.address("198.18.2.1", on: 3)
        h.kernel.connections.insert(ConnectionToken(token))
        return h
    }

    static func recovery(_ h: Harness) -> StartupRecovery {
        var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        return StartupRecovery(manager: h.manager, logger: logger)
    }

    /// The heart of it: the adopted full mesh gets no duplicate subflow, and a path that
    /// appears afterwards gets its two joins — the connection is managed again.
    @Test func adoptedMeshGetsNoDuplicateAndANewPathJoins() throws {
        let h = try Self.harness()
        let report = Self.recovery(h).run(from: FixedSnapshot(result: .success(Self.meshSnapshot)))
        h.scheduler.runDue()
        #expect(report.adopted == [ConnectionToken(Self.token)] && report.failure == nil)
        #expect(h.manager.policyName(for: ConnectionToken(Self.token)) == "fullmesh")
        #expect(h.creates.isEmpty, "every path of the mesh already has its subflow")
        #expect(h.destroys.isEmpty)

        h.link(4, "cli-c"); h.address("198.18.3.1", on: 4)
        #expect(h.creates == ["198.18.3.1>198.18.1.2:5201", "198.18.3.1>198.18.2.2:5201"])
    }

    /// Events raised around the snapshot apply to the adopted state without duplicating it or
    /// adopting the connection twice.
    @Test func eventsAfterAdoptionOnlyUpdate() throws {
        let h = try Self.harness()
        Self.recovery(h).run(from: FixedSnapshot(result: .success(Self.meshSnapshot)))
        let token = ConnectionToken(Self.token)
        let before = try #require(h.manager.connections[token])
        // SUB_ESTABLISHED of a subflow the snapshot already had, CREATED and ESTABLISHED again.
        h.event(
            .subflowEstablished(h.subflow(Self.token, "198.18.2.1", 43387, "198.18.2.2", 5201, localID: 1, remoteID: 1))
        )
        let info = ConnectionEventInfo(
            token: token, local: Self.clientA, remote: Self.serverA, localID: .initial,
            remoteID: .initial, serverSide: false, denyJoinInitialEndpoint: false)
        h.event(.created(info))
        h.event(.established(info))
        let after = try #require(h.manager.connections[token])
        #expect(after.subflows.count == before.subflows.count)
        #expect(after.side == .client)
        #expect(h.creates.isEmpty)
        // SUB_CLOSED of a subflow gone before the snapshot removes nothing; of one in it, removes it.
        h.event(.subflowClosed(h.subflow(Self.token, "198.18.2.1", 1, "198.18.2.2", 5201, localID: 1, remoteID: 1)))
        #expect(h.manager.connections[token]?.subflows.count == 4)
        h.event(
            .subflowClosed(
                h.subflow(Self.token, "198.18.2.1", 43387, "198.18.2.2", 5201, localID: 1, remoteID: 1, error: 104)))
        #expect(h.manager.connections[token]?.subflows.count == 3)
    }

    /// A connection whose events were read before recovery ran is left to them.
    @Test func knownConnectionsAreLeftToTheirEvents() throws {
        let h = try Self.harness()
        h.establish(h.connection(Self.token, from: "198.18.1.1", 51758, to: "198.18.1.2", 5201))
        let joins = h.creates.count
        let report = Self.recovery(h).run(from: FixedSnapshot(result: .success(Self.meshSnapshot)))
        #expect(report.adopted.isEmpty && report.alreadyKnown == [ConnectionToken(Self.token)])
        #expect(h.manager.adoptRecovered(RecoveryPlanner.plan(Self.meshSnapshot).adopted[0].state) == false)
        #expect(h.creates.count == joins)
    }

    @Test func unreadableKernelAdoptsNothing() throws {
        let h = try Self.harness()
        let failure = RecoveryError.socket(SystemError(operation: "socket(AF_NETLINK)", errno: .protocolNotSupported))
        let report = Self.recovery(h).run(from: FixedSnapshot(result: .failure(failure)))
        #expect(report.failure != nil && report.adopted.isEmpty)
        #expect(h.manager.connections.count == 0)
    }

    /// The policy is chosen by the rules, as for a new connection, and hears
    /// `.connectionEstablished` with the recovered state.
    @Test func policyChosenByRulesHearsEstablished() throws {
        let h = try Self.harness()
        var recorder: RecordingPolicy?
        try h.manager.load(
            PolicyRegistration(name: "recorder", summary: "test") { _, _ in
                let r = RecordingPolicy(); recorder = r; return r
            }, settings: PolicySettings(), origin: "test")
        h.manager.selection = PolicySelection(rules: [
            try PolicyRule(parsing: "side=client remote-port=5201 => recorder")
        ])
        Self.recovery(h).run(from: FixedSnapshot(result: .success(Self.meshSnapshot)))
        #expect(h.manager.policyName(for: ConnectionToken(Self.token)) == "recorder")
        let established = recorder?.events.compactMap { event -> ConnectionState? in
            if case .connectionEstablished(let state) = event { return state } else { return nil }
        }
        #expect(established?.map(\.subflows.count) == [4])
        #expect(h.creates.isEmpty)
    }

    /// An endpoint the connection had announced gets its listener reference back.
    @Test func announcedEndpointsAreCoveredAgain() throws {
        let listeners = SimulatedListeners()
        let h = try Self.harness()
        h.manager.listeners.backend = listeners
        var snapshot = Self.meshSnapshot
        snapshot.addressTables[ConnectionToken(Self.token)] = .entries([
            AddressEntry(IPAddress("198.18.2.1")!, id: AddressID(1), flags: [.signal, .subflow])
        ])
        Self.recovery(h).run(from: FixedSnapshot(result: .success(snapshot)))
        let endpoint = SocketEndpoint(IPAddress("198.18.2.1")!, port: Self.clientA.port)
        #expect(h.manager.listeners.holders(of: endpoint) == [ConnectionToken(Self.token)])
    }
}
