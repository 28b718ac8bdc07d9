/// The registry of static checks: one line per check, each check in its own file in Checks/.
enum DoctorChecks {
    static var all: [any DoctorCheck] {
        [
            KernelCheck(),
            PerSourceRoutingCheck(),
            BoundSubflowRouteCheck(),
            ReversePathFilterCheck(),
            FirewallCheck(),
        ]
    }
}
