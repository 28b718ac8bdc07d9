/// The generic netlink controller ("nlctrl", fixed family ID 0x10): resolves a family's
/// dynamic ID and multicast group IDs by name.
public enum GenericNetlinkControl {
    /// `GENL_ID_CTRL`.
    public static let familyID: UInt16 = 0x10
    /// `CTRL_CMD_NEWFAMILY`: the cmd of the kernel's reply.
    public static let newFamilyCommand: UInt8 = 1
    /// `CTRL_CMD_GETFAMILY`.
    public static let getFamilyCommand: UInt8 = 3
    /// The genl header version of the controller's replies: the `genl_ctrl` family's own
    /// version, 2.
    public static let replyVersion: UInt8 = 2

    /// `CTRL_ATTR_*`.
    public enum Attribute {
        public static let familyID: UInt16 = 1
        public static let familyName: UInt16 = 2
        public static let version: UInt16 = 3
        public static let headerSize: UInt16 = 4
        public static let maximumAttribute: UInt16 = 5
        public static let operations: UInt16 = 6
        public static let multicastGroups: UInt16 = 7
    }

    /// `CTRL_ATTR_MCAST_GRP_*`, inside each entry of `CTRL_ATTR_MCAST_GROUPS`.
    public enum MulticastGroupAttribute {
        public static let name: UInt16 = 1
        public static let id: UInt16 = 2
    }
}
