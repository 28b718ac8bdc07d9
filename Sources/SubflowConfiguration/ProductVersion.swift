/// The version of subflowd and its tools, as `--version`, `status` and the metrics report it.
public enum ProductVersion {
    public static let current = "0.1.0"
}
