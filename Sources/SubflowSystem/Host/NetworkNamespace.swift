import CMNL
import Glibc

/// Network namespaces by their bind-mount path (`/run/netns/NAME`, as `ip netns` makes them).
public enum NetworkNamespace {
    /// Moves the CALLING THREAD into the network namespace at `path` (setns(2) with
    /// CLONE_NEWNET); sockets it opens afterwards belong to that namespace. Only that thread
    /// moves, so call it on a thread of your own that ends afterwards.
    public static func enterOnCurrentThread(path: String) throws(SystemError) {
        let fd = try Descriptor.open(path, O_RDONLY | O_CLOEXEC).orThrow("open", path)
        defer { fd.close() }
        guard system_setns(fd, Int32(CLONE_NEWNET)) == 0 else { throw SystemError.last("setns(CLONE_NEWNET)", path) }
    }
}
