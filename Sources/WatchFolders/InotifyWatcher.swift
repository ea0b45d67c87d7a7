import Foundation
import Glibc
import JumperCore

/// Watches folders with Linux inotify on a thread of its own and collects the folders in
/// which something changed, for the service to rescan.
///
/// inotify is a hint, not the truth: network shares deliver no events, the kernel drops
/// events when its queue overflows, and the number of watches per user is limited
/// (`/proc/sys/fs/inotify/max_user_watches`). The service therefore also rescans every
/// folder periodically; this type only makes local changes show up sooner.
///
/// Thread-safety: every method may be called from any thread.
public final class InotifyWatcher: @unchecked Sendable {
    /// The outcome of asking for watches on a folder tree.
    public enum Coverage: String, Sendable {
        /// Every folder of the tree has a watch.
        case complete
        /// The watch limit was reached: some folders have no watch and rely on rescans.
        case limitReached
    }

    /// Changes noticed since the last `takeChanges()`.
    public struct Changes: Sendable {
        /// Folders in which an entry was created, deleted, moved, written or changed.
        public var directories: Set<String> = []
        /// True when the kernel dropped events (`IN_Q_OVERFLOW`), so every folder needs a rescan.
        public var overflowed = false
    }

    static let eventMask: UInt32 = UInt32(IN_CREATE) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_FROM)
        | UInt32(IN_MOVED_TO) | UInt32(IN_DELETE) | UInt32(IN_ATTRIB) | UInt32(IN_DELETE_SELF)
        | UInt32(IN_MOVE_SELF) | UInt32(IN_ONLYDIR)

    private let descriptor: Int32
    private let maximumWatches: Int?
    private let logger: Logger
    private let onChange: @Sendable () -> Void
    // The lock protects every field below.
    private let lock = NSLock()
    private var pathsByDescriptor: [Int32: String] = [:]
    private var descriptorsByPath: [String: Int32] = [:]
    private var changes = Changes()
    private var isStopped = false

    /// Opens an inotify instance and starts its reading thread.
    ///
    /// - Parameters:
    ///   - maximumWatches: a cap of this watcher's own below the kernel's limit; nil for
    ///     the kernel's limit alone.
    ///   - onChange: called on the watcher's thread after changes were collected.
    /// - Throws: `WatcherError.initFailed` with `errno` when inotify is unavailable.
    public init(maximumWatches: Int?, logger: Logger, onChange: @escaping @Sendable () -> Void) throws {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else {
            throw WatcherError(operation: "inotify_init1", path: nil, code: errno)
        }
        self.descriptor = descriptor
        self.maximumWatches = maximumWatches
        self.logger = logger
        self.onChange = onChange
        let thread = Thread { [self] in self.readEvents() }
        thread.name = "inotify-watcher"
        thread.start()
    }

    /// Stops the reading thread within about half a second and closes the inotify instance.
    public func stop() {
        self.lock.withLock { self.isStopped = true }
    }

    /// Number of folders with a watch now.
    public var watchCount: Int {
        self.lock.withLock { self.descriptorsByPath.count }
    }

    /// Adds a watch on each folder that has none yet.
    ///
    /// - Returns: `.limitReached` when the kernel (`ENOSPC`) or `maximumWatches` refused a
    ///   watch; the folders already watched keep their watches.
    public func watch(directories: [String]) -> Coverage {
        self.lock.withLock {
            for directory in directories where self.descriptorsByPath[directory] == nil {
                if let maximum = self.maximumWatches, self.descriptorsByPath.count >= maximum {
                    return .limitReached
                }
                let watch = inotify_add_watch(self.descriptor, directory, Self.eventMask)
                guard watch >= 0 else {
                    let code = errno
                    if code == ENOSPC {
                        return .limitReached
                    }
                    // The folder vanished or became unreadable since the scan, which the next scan reports.
                    self.logger.debug(
                        "inotify watch not added",
                        ["path": directory, "error": String(cString: strerror(code))]
                    )
                    continue
                }
                // inotify returns the existing descriptor for a path watched under another name.
                if let previous = self.pathsByDescriptor[watch] {
                    self.descriptorsByPath.removeValue(forKey: previous)
                }
                self.pathsByDescriptor[watch] = directory
                self.descriptorsByPath[directory] = watch
            }
            return .complete
        }
    }

    /// Removes the watches of `root` and of every folder below it.
    public func unwatch(root: String) {
        self.lock.withLock {
            let prefix = root.hasSuffix("/") ? root : root + "/"
            for (path, watch) in self.descriptorsByPath where path == root || path.hasPrefix(prefix) {
                inotify_rm_watch(self.descriptor, watch)
                self.descriptorsByPath.removeValue(forKey: path)
                self.pathsByDescriptor.removeValue(forKey: watch)
            }
        }
    }

    /// Returns and clears the changes collected so far.
    public func takeChanges() -> Changes {
        self.lock.withLock {
            let taken = self.changes
            self.changes = Changes()
            return taken
        }
    }

    // MARK: - Reading thread

    private func readEvents() {
        let bufferSize = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer {
            buffer.deallocate()
            close(self.descriptor)
        }
        var pollEntry = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        while !self.lock.withLock({ self.isStopped }) {
            let ready = poll(&pollEntry, 1, 500)
            guard ready > 0 else { continue }
            let count = read(self.descriptor, buffer, bufferSize)
            guard count > 0 else { continue }
            self.collect(buffer: UnsafeRawBufferPointer(start: buffer, count: count))
            self.onChange()
        }
    }

    /// Parses a batch of `inotify_event` records: a fixed header then `len` bytes of name.
    func collect(buffer: UnsafeRawBufferPointer) {
        let headerSize = MemoryLayout<inotify_event>.size
        var offset = 0
        self.lock.withLock {
            while offset + headerSize <= buffer.count {
                let watch = buffer.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                let nameLength = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                offset += headerSize + nameLength

                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    self.changes.overflowed = true
                    continue
                }
                guard let directory = self.pathsByDescriptor[watch] else { continue }
                self.changes.directories.insert(directory)
                if mask & UInt32(IN_IGNORED) != 0 {
                    // The kernel removed the watch because the folder was deleted or unmounted.
                    self.pathsByDescriptor.removeValue(forKey: watch)
                    self.descriptorsByPath.removeValue(forKey: directory)
                }
            }
        }
    }
}

/// A failed inotify call, with the call, the folder and `errno`.
public struct WatcherError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let path: String?
    public let code: Int32

    public var description: String {
        let target = self.path.map { " on '\($0)'" } ?? ""
        return "\(self.operation)\(target) failed: \(String(cString: strerror(self.code))) (errno \(self.code)); "
            + "the watch-folder service falls back to periodic rescans"
    }
}
