import Foundation
import Testing
@testable import RecData

// The LightGCN/NGCF adjacency format with its fixed train/test split. Fixture values are worked
// out by hand in the comments; Gowalla's figures come from gowalla/SOURCE.md.

// User 1 has no train items. Train rows (file order): 0→0, 0→1, 0→2, 2→3, 2→1.
private let trainTxt = "0 0 1 2\n1\n2 3 1\n"
// Test rows: 0→3, 1→0, 2→2, 2→0.
private let testTxt = "0 3\n1 0\n2 2 0\n"

private func load(train: String, test: String) throws -> (dataset: Dataset, split: Split) {
    let folder = try ReaderFixtureFolder("lightgcn")
    defer { folder.remove() }
    try folder.write("toy/train.txt", train)
    try folder.write("toy/test.txt", test)
    return try LightGCNFormat.load("toy", from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
}

private func failure(train: String, test: String = testTxt) throws -> DataFileError {
    try #require(throws: DataFileError.self) { try load(train: train, test: test) }
}

private func pairs(_ dataset: Dataset, _ rows: [Int]) -> [String] {
    rows.map { "\(dataset.userIDs[Int(dataset.users[$0])])-\(dataset.itemIDs[Int(dataset.items[$0])])" }
}

@Suite("LightGCN format reader")
struct LightGCNFormatTests {
    @Test("train rows then test rows, with the split pointing at each")
    func split() throws {
        let (dataset, split) = try load(train: trainTxt, test: testTxt)
        #expect(dataset.name == "toy")
        #expect(dataset.userIDs == ["0", "1", "2"])
        #expect(dataset.itemIDs == ["0", "1", "2", "3"])
        #expect(dataset.interactionCount == 9)
        #expect(split.train == Array(0..<5))
        #expect(split.test == Array(5..<9))
        #expect(pairs(dataset, split.train) == ["0-0", "0-1", "0-2", "2-3", "2-1"])
        #expect(pairs(dataset, split.test) == ["0-3", "1-0", "2-2", "2-0"])
        // The ids are already dense: dense id == file id.
        #expect(dataset.users == [0, 0, 0, 2, 2, 0, 1, 2, 2])
        #expect(dataset.items == [0, 1, 2, 3, 1, 3, 0, 2, 0])
        #expect(dataset.ratings == Array(repeating: 1, count: 9))
        #expect(dataset.timestamps == Array(repeating: 0, count: 9))
        #expect(split.method == "predefined(lightgcn train.txt/test.txt)")
        #expect(dataset.sourceFiles.map(\.name) == ["train.txt", "test.txt"])
    }

    @Test("a user line with no items still makes the user")
    func emptyUserLine() throws {
        // User 3 appears only as a bare line in test.txt.
        let (dataset, split) = try load(train: trainTxt, test: testTxt + "3\n")
        #expect(dataset.userIDs == ["0", "1", "2", "3"])
        #expect(dataset.activeUserCount == 3)
        #expect(split.test.count == 4)
    }

    @Test("tabs, runs of spaces, trailing blanks, CRLF and a missing final newline")
    func blanks() throws {
        let messy = try load(train: "0\t0  1 2 \r\n1\r\n 2 3\t1", test: "0 3\n\n1 0\r\n2 2 0  ")
        let clean = try load(train: trainTxt, test: testTxt)
        #expect(messy.dataset.fingerprint() == clean.dataset.fingerprint())
        #expect(messy.split.train == clean.split.train)
        #expect(messy.split.fingerprint(of: messy.dataset) == clean.split.fingerprint(of: clean.dataset))
    }

    @Test("ids not every one of 0…max: only the ids that appear, in numeric order")
    func gaps() throws {
        let (dataset, _) = try load(train: "0 5\n", test: "7 0\n")
        #expect(dataset.userIDs == ["0", "7"])
        #expect(dataset.itemIDs == ["0", "5"])
    }

    @Test("a non-integer, negative or overflowing id names the line and the token")
    func badTokens() throws {
        let text = try failure(train: "0 0 1\n1 2 x\n")
        #expect(text.file.hasSuffix("toy/train.txt"))
        #expect(text.line == 2)
        #expect(text.field == "item 2")
        let negative = try failure(train: "0 0\n-1 3\n")
        #expect(negative.line == 2)
        #expect(negative.field == "user")
        #expect(negative.message.contains("negative"))
        let overflow = try failure(train: trainTxt, test: "0 3\n1 99999999999\n")
        #expect(overflow.file.hasSuffix("toy/test.txt"))
        #expect(overflow.line == 2)
        #expect(overflow.field == "item 1")
        #expect(overflow.message.contains("overflow"))
        let fraction = try failure(train: "0 1.5\n")
        #expect(fraction.field == "item 1")
    }

    @Test("an empty file or one of blank lines is an error")
    func emptyFiles() throws {
        let empty = try failure(train: "")
        #expect(empty.file.hasSuffix("toy/train.txt"))
        #expect(empty.message.contains("empty"))
        let blank = try failure(train: trainTxt, test: "\n \n")
        #expect(blank.file.hasSuffix("toy/test.txt"))
        #expect(blank.message.contains("no lines"))
    }

    @Test("a missing test.txt says which files to put where")
    func missing() throws {
        let folder = try ReaderFixtureFolder("lightgcn")
        defer { folder.remove() }
        try folder.write("yelp2018/train.txt", trainTxt)
        let error = try #require(throws: DatasetMissingError.self) {
            try LightGCNFormat.load("yelp2018", from: DataDirectory.resolve(explicit: folder.path, environment: [:]))
        }
        #expect(error.missingFile == folder.path + "/yelp2018/test.txt")
        #expect(error.description.contains("train.txt and test.txt"))
    }
}

// MARK: - The real files

private enum Gowalla {
    static let available = ReaderTestData.has("gowalla/train.txt")
    static let loaded: Result<(dataset: Dataset, split: Split), any Error> = Result {
        try LightGCNFormat.load("gowalla", from: ReaderTestData.dataDirectory)
    }
}

@Suite("Gowalla (LightGCN split), the real files", .enabled(if: Gowalla.available, "gowalla/train.txt not found"))
struct GowallaRealDataTests {
    @Test("figures stated by SOURCE.md")
    func figures() throws {
        let (dataset, split) = try Gowalla.loaded.get()
        // Users 29,858 (ids 0–29857), items 40,981 (ids 0–40980), 810,128 train + 217,242 test.
        #expect(dataset.userCount == 29_858)
        #expect(dataset.itemCount == 40_981)
        #expect(dataset.userIDs == (0..<29_858).map(String.init))
        #expect(dataset.itemIDs == (0..<40_981).map(String.init))
        #expect(split.train.count == 810_128)
        #expect(split.test.count == 217_242)
        #expect(dataset.interactionCount == 1_027_370)
        // Every user has at least one test item; train/test overlap 0; duplicates within train 0.
        var hasTest = [Bool](repeating: false, count: dataset.userCount)
        for k in split.test { hasTest[Int(dataset.users[k])] = true }
        #expect(!hasTest.contains(false))
        let trainPairs = split.train.map { Int64(dataset.users[$0]) << 32 | Int64(dataset.items[$0]) }.sorted()
        #expect(zip(trainPairs, trainPairs.dropFirst()).allSatisfy { $0 < $1 }, "no pair twice in train")
        let testPairs = split.test.map { Int64(dataset.users[$0]) << 32 | Int64(dataset.items[$0]) }.sorted()
        var overlap = 0, t = 0
        for pair in testPairs {
            while t < trainPairs.count && trainPairs[t] < pair { t += 1 }
            if t < trainPairs.count && trainPairs[t] == pair { overlap += 1 }
        }
        #expect(overlap == 0)
        // Items appearing only in test: 0.
        var inTrain = [Bool](repeating: false, count: dataset.itemCount)
        for k in split.train { inTrain[Int(dataset.items[k])] = true }
        #expect(!inTrain.contains(false))
    }

    @Test("provenance: SHA-256 of train.txt and test.txt as listed in SOURCE.md")
    func sources() throws {
        let (dataset, _) = try Gowalla.loaded.get()
        #expect(dataset.sourceFiles.map(\.name) == ["train.txt", "test.txt"])
        #expect(dataset.sourceFiles.map(\.sha256) == [
            "7244696fdeb23911319cf7b689f2e15a3c4c92549c873a5677b44e3f13cc3e62",
            "099a2a73924e4b754dc6efd730d764f492321b53c38eb93298850c83acf57be3",
        ])
    }
}
