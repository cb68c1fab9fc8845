import Foundation

/// Finds the executables SwiftPM built beside the test bundle.
enum BuiltProducts {
    /// A product that is not built; the message says how to build it.
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "\(path) is missing: build every product first (`swift build`, or run `Tools/test.sh`)"
        }
    }

    /// The folder SwiftPM puts products in: the test bundle's folder (on macOS an `.xctest`
    /// bundle; on Linux the test runner executable itself).
    static var directory: URL {
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The built executable product `name`.
    ///
    /// - Parameter name: The product's name, for example `sse`.
    /// - Returns: Its path.
    /// - Throws: ``Missing`` when it has not been built.
    static func executable(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw Missing(path: url.path) }
        return url
    }
}
