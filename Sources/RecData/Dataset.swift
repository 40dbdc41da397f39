import Foundation

/// A loaded dataset: interactions over dense user and item ids, plus item side information.
///
/// Dense ids are the positions of the original ids in ascending order, so they do not depend on
/// file order. Every item of the catalogue is ranked, including items with no interactions.
public struct Dataset: Sendable {
    public var name: String
    /// Original ids, indexed by dense id.
    public var userIDs: [String]
    public var itemIDs: [String]
    /// One entry per interaction, parallel arrays.
    public var users: [Int32]
    public var items: [Int32]
    public var ratings: [Float]
    public var timestamps: [Int64]
    /// Item side information, indexed by dense item id (empty strings/arrays where unknown).
    public var itemTitles: [String]
    public var itemGenres: [[String]]
    /// Release year parsed from the title or a year column, indexed by dense item id (nil where unknown).
    public var itemYears: [Int?]
    /// Tags applied to each item (every application, in file order, so a tag used twice appears
    /// twice), indexed by dense item id; empty where the format has no tags.
    public var itemTags: [[String]]
    /// Other item columns by name (RecBole `.item` extras, `links.csv` imdbId/tmdbId), indexed by dense item id.
    public var itemAttributes: [[String: String]]
    /// User columns by name (MovieLens 1M `users.dat`, RecBole `.user`), indexed by dense user id.
    public var userAttributes: [[String: String]]
    /// The files read and their SHA-256, for provenance.
    public var sourceFiles: [(name: String, sha256: String)]

    /// Side information left out (nil) is empty for every user or item.
    public init(
        name: String, userIDs: [String], itemIDs: [String], users: [Int32], items: [Int32], ratings: [Float],
        timestamps: [Int64], itemTitles: [String], itemGenres: [[String]], sourceFiles: [(name: String, sha256: String)] = [],
        itemYears: [Int?]? = nil, itemTags: [[String]]? = nil, itemAttributes: [[String: String]]? = nil,
        userAttributes: [[String: String]]? = nil
    ) {
        precondition(users.count == items.count && items.count == ratings.count && ratings.count == timestamps.count,
                     "interaction arrays differ in length")
        precondition(itemYears.map { $0.count == itemIDs.count } ?? true, "itemYears must have one entry per item")
        precondition(itemTags.map { $0.count == itemIDs.count } ?? true, "itemTags must have one entry per item")
        precondition(itemAttributes.map { $0.count == itemIDs.count } ?? true, "itemAttributes must have one entry per item")
        precondition(userAttributes.map { $0.count == userIDs.count } ?? true, "userAttributes must have one entry per user")
        self.itemYears = itemYears ?? Array(repeating: nil, count: itemIDs.count)
        self.itemTags = itemTags ?? Array(repeating: [], count: itemIDs.count)
        self.itemAttributes = itemAttributes ?? Array(repeating: [:], count: itemIDs.count)
        self.userAttributes = userAttributes ?? Array(repeating: [:], count: userIDs.count)
        self.name = name
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.users = users
        self.items = items
        self.ratings = ratings
        self.timestamps = timestamps
        self.itemTitles = itemTitles
        self.itemGenres = itemGenres
        self.sourceFiles = sourceFiles
    }

    public var userCount: Int { userIDs.count }
    public var itemCount: Int { itemIDs.count }
    public var interactionCount: Int { users.count }

    /// Items with at least one interaction. `itemCount` also counts catalogue items nobody rated
    /// (MovieLens latest-small: 9,742 items in movies.csv, 9,724 of them rated).
    public var ratedItemCount: Int { distinctCount(items, itemCount) }
    /// Users with at least one interaction (a catalogue user may have none).
    public var activeUserCount: Int { distinctCount(users, userCount) }

    private func distinctCount(_ ids: [Int32], _ bound: Int) -> Int {
        var seen = [Bool](repeating: false, count: bound)
        var count = 0
        for id in ids where !seen[Int(id)] {
            seen[Int(id)] = true
            count += 1
        }
        return count
    }

    public var density: Double {
        userCount == 0 || itemCount == 0 ? 0 : Double(interactionCount) / (Double(userCount) * Double(itemCount))
    }

    /// SHA-256 over the canonical interaction rows (original ids, rating, timestamp, sorted), so
    /// the same data read from differently formatted files fingerprints the same.
    public func fingerprint() -> String {
        let order = (0..<interactionCount).sorted {
            (users[$0], items[$0], timestamps[$0]) < (users[$1], items[$1], timestamps[$1])
        }
        var hasher = SHA256()
        hasher.update("recbench-dataset-v1\n")
        for k in order {
            hasher.update("\(userIDs[Int(users[k])])\t\(itemIDs[Int(items[k])])\t\(ratings[k])\t\(timestamps[k])\n")
        }
        return hasher.hexDigest()
    }
}

/// A problem in a data file, located to the field.
public struct DataFileError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var field: String?
    public var message: String

    public init(file: String, line: Int? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let field { location += " (field \(field))" }
        return "\(location): \(message)"
    }
}

/// Where datasets live: `--data-dir`, else `RECBENCH_DATA_DIR`, else `~/.cache/recbench/datasets`.
public struct DataDirectory: Sendable {
    public var path: String
    /// Which setting chose it, for error messages.
    public var origin: String

    public init(path: String, origin: String) {
        self.path = path
        self.origin = origin
    }

    public static func resolve(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DataDirectory {
        if let explicit { return DataDirectory(path: explicit, origin: "--data-dir") }
        if let fromEnvironment = environment["RECBENCH_DATA_DIR"], !fromEnvironment.isEmpty {
            return DataDirectory(path: fromEnvironment, origin: "RECBENCH_DATA_DIR")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return DataDirectory(path: "\(home)/.cache/recbench/datasets", origin: "default")
    }
}

/// A dataset that is not where it was looked for.
public struct DatasetMissingError: Error, CustomStringConvertible, Sendable {
    public var dataset: String
    public var lookedIn: String
    public var origin: String
    public var missingFile: String
    public var advice: String

    public var description: String {
        """
        dataset \(dataset) not found: \(missingFile) does not exist.
          looked in: \(lookedIn) (chosen by \(origin))
          \(advice)
          To use another folder, pass --data-dir DIR or set RECBENCH_DATA_DIR=DIR.
        """
    }
}
