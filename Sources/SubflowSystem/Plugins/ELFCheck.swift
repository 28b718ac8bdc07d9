/// Checks, on the open descriptor, that a file is a whole shared object for this machine
/// before the dynamic linker maps it: ld.so trusts the headers, and a segment that points past
/// the end of a truncated file is mapped anyway — touching it kills the process with SIGBUS.
///
/// "This machine" is the running executable's own ELF header (class, byte order, machine),
/// so the check needs no table of architectures.
enum ELFCheck {
    // <elf.h>
    static let identSize = 16  // EI_NIDENT
    static let magic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]  // ELFMAG: "\x7fELF"
    static let classOffset = 4  // EI_CLASS
    static let dataOffset = 5  // EI_DATA
    static let versionOffset = 6  // EI_VERSION
    static let class32: UInt8 = 1  // ELFCLASS32
    static let class64: UInt8 = 2  // ELFCLASS64
    static let littleEndian: UInt8 = 1  // ELFDATA2LSB
    static let currentVersion: UInt8 = 1  // EV_CURRENT
    static let sharedObject: UInt16 = 3  // ET_DYN
    static let loadSegment: UInt32 = 1  // PT_LOAD
    static let noBitsSection: UInt32 = 8  // SHT_NOBITS: occupies no file space (.bss)
    static let extendedCount: UInt16 = 0xFFFF  // PN_XNUM

    /// Field offsets and sizes of the two ELF classes (Elf32_Ehdr/Elf64_Ehdr and friends).
    struct Layout {
        var headerSize: Int, phoff: Int, shoff: Int, wordSize: Int
        var phentsize: Int, phnum: Int, shentsize: Int, shnum: Int
        var programHeaderSize: Int, segmentOffset: Int, segmentFileSize: Int, segmentMemorySize: Int
        var sectionHeaderSize: Int, sectionType: Int, sectionOffset: Int, sectionSize: Int

        static let elf64 = Layout(
            headerSize: 64, phoff: 32, shoff: 40, wordSize: 8,
            phentsize: 54, phnum: 56, shentsize: 58, shnum: 60,
            programHeaderSize: 56, segmentOffset: 8, segmentFileSize: 32, segmentMemorySize: 40,
            sectionHeaderSize: 64, sectionType: 4, sectionOffset: 24, sectionSize: 32)
        static let elf32 = Layout(
            headerSize: 52, phoff: 28, shoff: 32, wordSize: 4,
            phentsize: 42, phnum: 44, shentsize: 46, shnum: 48,
            programHeaderSize: 32, segmentOffset: 4, segmentFileSize: 16, segmentMemorySize: 20,
            sectionHeaderSize: 40, sectionType: 4, sectionOffset: 16, sectionSize: 20)
    }

    struct Problem: Error { var reason: String }

    static let machineNames: [UInt16: String] = [
        3: "x86 (32-bit)", 40: "ARM (32-bit)", 62: "x86-64", 183: "AArch64",
        243: "RISC-V", 21: "PowerPC64", 22: "s390x",
    ]

    static func validate(_ file: OpenedFile) throws(Problem) {
        let size = file.status.size
        let head = try read(file, at: 0, count: min(size, Layout.elf64.headerSize))
        guard head.count >= identSize else {
            throw Problem(
                reason: "too short to be a shared object (\(size) bytes): the file is truncated or not a plugin")
        }
        guard Array(head[0..<4]) == magic else {
            throw Problem(reason: "not an ELF file (it does not start with \\x7FELF): not a compiled plugin")
        }
        let host = try hostIdentity()
        guard head[classOffset] == host.elfClass else {
            throw Problem(
                reason:
                    "built for \(head[classOffset] == class32 ? "32" : head[classOffset] == class64 ? "64" : "an unknown")-bit, "
                    + "but this subflowd is \(host.elfClass == class32 ? 32 : 64)-bit: rebuild it for this machine")
        }
        guard head[dataOffset] == host.byteOrder else {
            throw Problem(
                reason:
                    "built for the other byte order (\(head[dataOffset] == littleEndian ? "little" : "big")-endian): rebuild it for this machine"
            )
        }
        guard head[versionOffset] == currentVersion else {
            throw Problem(reason: "unknown ELF version \(head[versionOffset])")
        }
        let layout = host.elfClass == class64 ? Layout.elf64 : Layout.elf32
        guard head.count >= layout.headerSize else {
            throw Problem(reason: "its ELF header is cut short (\(size) bytes): the file is truncated")
        }
        let bigEndian = host.byteOrder != littleEndian
        func field(_ bytes: [UInt8], _ offset: Int, _ width: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in 0..<width {
                let byte = UInt64(bytes[offset + (bigEndian ? i : width - 1 - i)])
                value = value << 8 | byte
            }
            return value
        }
        let type = UInt16(field(head, 16, 2)), machine = UInt16(field(head, 18, 2))
        guard type == sharedObject else {
            throw Problem(
                reason:
                    "it is not a shared object (ELF type \(type), a shared object is \(sharedObject)): build the plugin as a dynamic library"
            )
        }
        guard machine == host.machine else {
            throw Problem(
                reason: "built for \(machineNames[machine] ?? "machine \(machine)"), but this subflowd runs on "
                    + "\(machineNames[host.machine] ?? "machine \(host.machine)"): rebuild it for this machine")
        }
        let fileSize = UInt64(size)
        // Program headers: the table, then every loadable segment, inside the file.
        let phoff = field(head, layout.phoff, layout.wordSize)
        let phentsize = Int(field(head, layout.phentsize, 2)), phnum = UInt16(field(head, layout.phnum, 2))
        guard phnum > 0, phnum != extendedCount, phentsize == layout.programHeaderSize else {
            throw Problem(reason: "its program header table is malformed (\(phnum) entries of \(phentsize) bytes)")
        }
        let programHeaders = try table(
            file, "program header table", offset: phoff, count: Int(phnum), entrySize: phentsize, fileSize: fileSize)
        for index in 0..<Int(phnum) {
            let base = index * phentsize
            guard UInt32(field(programHeaders, base, 4)) == loadSegment else { continue }
            let offset = field(programHeaders, base + layout.segmentOffset, layout.wordSize)
            let fileBytes = field(programHeaders, base + layout.segmentFileSize, layout.wordSize)
            let memoryBytes = field(programHeaders, base + layout.segmentMemorySize, layout.wordSize)
            guard offset <= fileSize, fileBytes <= fileSize - offset else {
                throw Problem(
                    reason:
                        "loadable segment \(index) (bytes \(offset) to \(offset &+ fileBytes)) ends beyond the end of the file "
                        + "(\(size) bytes): the file is truncated")
            }
            guard fileBytes <= memoryBytes else {
                throw Problem(
                    reason: "loadable segment \(index) is larger in the file than in memory: the file is damaged")
            }
        }
        // Section headers (where present): the table, then every section with file contents.
        let shoff = field(head, layout.shoff, layout.wordSize)
        let shentsize = Int(field(head, layout.shentsize, 2)), shnum = Int(field(head, layout.shnum, 2))
        guard shnum > 0 || shoff != 0 else { return }
        guard shentsize == layout.sectionHeaderSize, shnum > 0 else {
            throw Problem(reason: "its section header table is malformed (\(shnum) entries of \(shentsize) bytes)")
        }
        let sections = try table(
            file, "section header table", offset: shoff, count: shnum, entrySize: shentsize, fileSize: fileSize)
        for index in 0..<shnum {
            let base = index * shentsize
            guard UInt32(field(sections, base + layout.sectionType, 4)) != noBitsSection else { continue }
            let offset = field(sections, base + layout.sectionOffset, layout.wordSize)
            let bytes = field(sections, base + layout.sectionSize, layout.wordSize)
            guard offset <= fileSize, bytes <= fileSize - offset else {
                throw Problem(
                    reason:
                        "section \(index) (bytes \(offset) to \(offset &+ bytes)) ends beyond the end of the file (\(size) bytes): the file is truncated"
                )
            }
        }
    }

    private static func table(
        _ file: OpenedFile, _ what: String, offset: UInt64, count: Int, entrySize: Int,
        fileSize: UInt64
    ) throws(Problem) -> [UInt8] {
        let bytes = UInt64(count) * UInt64(entrySize)
        guard offset <= fileSize, bytes <= fileSize - offset else {
            throw Problem(
                reason: "its \(what) (bytes \(offset) to \(offset &+ bytes)) lies beyond the end of the file "
                    + "(\(fileSize) bytes): the file is truncated")
        }
        let table = try read(file, at: Int(offset), count: Int(bytes))
        guard table.count == Int(bytes) else { throw Problem(reason: "the file shrank while it was being checked") }
        return table
    }

    private static func read(_ file: OpenedFile, at offset: Int, count: Int) throws(Problem) -> [UInt8] {
        do { return try file.read(at: offset, count: count) } catch { throw Problem(reason: error.description) }
    }

    /// Class, byte order and machine of the running executable.
    private static func hostIdentity() throws(Problem) -> (elfClass: UInt8, byteOrder: UInt8, machine: UInt16) {
        let exe: OpenedFile
        do { exe = try OpenedFile.openRegularFile("/proc/self/exe") } catch {
            throw Problem(reason: "cannot read this executable's own ELF header to compare: \(error)")
        }
        let head = try read(exe, at: 0, count: 20)
        guard head.count == 20, Array(head[0..<4]) == magic else {
            throw Problem(reason: "this executable's own ELF header is unreadable")
        }
        let machine =
            head[dataOffset] == littleEndian
            ? UInt16(head[18]) | UInt16(head[19]) << 8 : UInt16(head[18]) << 8 | UInt16(head[19])
        return (head[classOffset], head[dataOffset], machine)
    }
}
