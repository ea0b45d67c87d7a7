import Foundation
import Testing

@testable import WatchFolders

@Suite struct WatchFolderStoreTests {
    @Test func foldersSurviveReopening() throws {
        let data = try TemporaryFolder("store")
        var folder = WatchFolder(path: "/footage", cacheDirectory: "/cache")
        folder.speech = false
        folder.excludedExtensions = [".xml"]
        folder.excludedFilenameGlobs = ["*_proxy.*"]
        folder.visualModel = "clip-vit-b-32"

        let created = try WatchFolderStore(dataDirectory: data.path).insert(folder)
        #expect(created.id > 0)
        let reopened = try WatchFolderStore(dataDirectory: data.path)
        let loaded = try reopened.folder(id: created.id)
        #expect(loaded.path == "/footage")
        #expect(loaded.speech == false)
        #expect(loaded.faces == false)
        #expect(loaded.excludedExtensions == [".xml"])
        #expect(loaded.excludedFilenameGlobs == ["*_proxy.*"])
        #expect(loaded.visualModel == "clip-vit-b-32")
        #expect(loaded.speechModel == nil)
        #expect(abs(loaded.createdAt.timeIntervalSince(created.createdAt)) < 0.001)
    }

    @Test func duplicatePathRejected() throws {
        let data = try TemporaryFolder("store")
        let store = try WatchFolderStore(dataDirectory: data.path)
        let first = try store.insert(WatchFolder(path: "/footage", cacheDirectory: "/cache"))
        #expect(throws: WatchFolderError.duplicatePath(path: "/footage", existingID: first.id)) {
            try store.insert(WatchFolder(path: "/footage", cacheDirectory: "/other"))
        }
        let second = try store.insert(WatchFolder(path: "/other", cacheDirectory: "/cache"))
        var moved = second
        moved.path = "/footage"
        #expect(throws: WatchFolderError.duplicatePath(path: "/footage", existingID: first.id)) {
            try store.update(moved)
        }
    }

    @Test func deleteRemovesFolderAndRecords() throws {
        let data = try TemporaryFolder("store")
        let store = try WatchFolderStore(dataDirectory: data.path)
        let folder = try store.insert(WatchFolder(path: "/footage", cacheDirectory: "/cache"))
        let signature = FileSignature(size: 1, modifiedNanoseconds: 2)
        try store.record(FileRecord(signature: signature, hashString: "00000000-1", outcome: .analyzed), path: "/footage/a.mp4", folderID: folder.id)
        try store.delete(id: folder.id)
        #expect(throws: WatchFolderError.notFound(id: folder.id)) { try store.folder(id: folder.id) }
        #expect(try store.fileRecords(folderID: folder.id).isEmpty)
        #expect(try store.counters(folderID: folder.id) == FolderCounters())
        #expect(throws: WatchFolderError.notFound(id: folder.id)) { try store.delete(id: folder.id) }
        // Ids are never reused, so a client holding an old id cannot change a new folder.
        #expect(try store.insert(WatchFolder(path: "/footage", cacheDirectory: "/cache")).id > folder.id)
    }

    @Test func recordsCountAndFindContent() throws {
        let data = try TemporaryFolder("store")
        let store = try WatchFolderStore(dataDirectory: data.path)
        let folder = try store.insert(WatchFolder(path: "/footage", cacheDirectory: "/cache"))
        let signature = FileSignature(size: 10, modifiedNanoseconds: 20)
        try store.record(FileRecord(signature: signature, hashString: "11111111-10", outcome: .analyzed), path: "/footage/a.mp4", folderID: folder.id)
        try store.record(FileRecord(signature: signature, hashString: "22222222-10", outcome: .failed), path: "/footage/bad.mp4", folderID: folder.id)
        try store.record(FileRecord(signature: signature, hashString: "11111111-10", outcome: .known), path: "/footage/renamed.mp4", folderID: folder.id)

        #expect(try store.hasHandledContent(hashString: "11111111-10", folderID: folder.id))
        // A failure is not handled content: the same bytes under a new name are tried again.
        #expect(try !store.hasHandledContent(hashString: "22222222-10", folderID: folder.id))
        #expect(try !store.hasHandledContent(hashString: "11111111-10", folderID: folder.id + 1))
        let counters = try store.counters(folderID: folder.id)
        #expect(counters.filesAnalyzed == 1)
        #expect(counters.filesFailed == 1)
        #expect(counters.filesSkipped == 1)
        let records = try WatchFolderStore(dataDirectory: data.path).fileRecords(folderID: folder.id)
        #expect(records.count == 3)
        #expect(records["/footage/a.mp4"]?.signature == signature)
        #expect(records["/footage/bad.mp4"]?.outcome == .failed)
    }

    @Test func serviceStateSurvivesReopening() throws {
        let data = try TemporaryFolder("store")
        #expect(try !WatchFolderStore(dataDirectory: data.path).isServiceEnabled())
        try WatchFolderStore(dataDirectory: data.path).setServiceEnabled(true)
        #expect(try WatchFolderStore(dataDirectory: data.path).isServiceEnabled())
        try WatchFolderStore(dataDirectory: data.path).setServiceEnabled(false)
        #expect(try !WatchFolderStore(dataDirectory: data.path).isServiceEnabled())
    }
}
