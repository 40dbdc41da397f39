import Foundation
import RecKit

/// RecBole atomic files: `<name>.inter`, `<name>.item`, `<name>.user` in a folder `<name>/`.
///
/// Tab-separated UTF-8 with a typed header, `user_id:token	item_id:token	rating:float
/// timestamp:float`; types are `token`, `token_seq`, `float` and `float_seq`, and `_seq` values are
/// space-separated. No quoting: a field is the text between tabs.
///
/// - `.inter` (required): `user_id` and `item_id` by name (`Fields` renames them, as RecBole's
///   `USER_ID_FIELD` etc. do), optional `rating` (else every rating is 1) and `timestamp` (else 0;
///   a fraction is floored). Other columns (`label`, `review`, …) are ignored.
/// - `.item`: `item_id` plus side information. A title column (`movie_title`, `title`, `item_name`)
///   becomes `itemTitles`; a year column (`release_year`, `year`) `itemYears`; a genre column
///   (`genre`, `genres`, `class`, `categories`; its values split on spaces when it is a `token_seq`)
///   `itemGenres`; every other column is kept as text in `itemAttributes` under its name without
///   the type.
/// - `.user`: `user_id` plus columns kept as text in `userAttributes` (`age`, `gender`, …).
///
/// Users and items are those of any of the files; ids are tokens, numbered in ascending numeric
/// order when they are all integers, else in string order.
public enum RecBoleAtomic {
    /// The names of the id and value columns (RecBole's `USER_ID_FIELD`, `ITEM_ID_FIELD`,
    /// `RATING_FIELD`, `TIME_FIELD`).
    public struct Fields: Sendable, Hashable {
        public var user: String
        public var item: String
        public var rating: String
        public var timestamp: String

        public init(user: String = "user_id", item: String = "item_id", rating: String = "rating", timestamp: String = "timestamp") {
            self.user = user
            self.item = item
            self.rating = rating
            self.timestamp = timestamp
        }
    }

    static let titleColumns = ["movie_title", "title", "item_name"]
    static let yearColumns = ["release_year", "year"]
    static let genreColumns = ["genre", "genres", "class", "categories"]
    static let types = ["token", "token_seq", "float", "float_seq"]

    /// `<data dir>/<name>/<name>.inter` (RecBole's `dataset/<name>/` layout).
    public static func load(_ name: String, from directory: DataDirectory, fields: Fields = Fields()) throws -> Dataset {
        let folder = URL(fileURLWithPath: directory.path).appendingPathComponent(name).path
        let inter = "\(folder)/\(name).inter"
        guard FileManager.default.fileExists(atPath: inter) else {
            throw DatasetMissingError(
                dataset: name, lookedIn: folder, origin: directory.origin, missingFile: inter,
                advice: "Put the RecBole atomic files \(name).inter (and optionally \(name).item, \(name).user) in \(folder); RecBole's dataset list links them (https://recbole.io/dataset_list.html).")
        }
        return try load(folder: folder, name: name, fields: fields)
    }

    /// Reads `<folder>/<name>.inter` and, when present, `.item` and `.user`.
    public static func load(folder: String, name: String, fields: Fields = Fields()) throws -> Dataset {
        func optional(_ suffix: String) -> String? {
            let path = "\(folder)/\(name).\(suffix)"
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        return try load(interFile: "\(folder)/\(name).inter", itemFile: optional("item"), userFile: optional("user"), name: name, fields: fields)
    }

    public static func load(interFile: String, itemFile: String?, userFile: String?, name: String, fields: Fields = Fields()) throws -> Dataset {
        var table = InteractionTable()
        var sources: [(name: String, sha256: String)] = []
        let interSHA = try InteractionFile.read(path: interFile, layout: .tabs, header: true, into: &table) { header, _ in
            let columns = try TypedHeader(header!)
            return InteractionColumns(
                user: try columns.position(of: fields.user, for: "user"), item: try columns.position(of: fields.item, for: "item"),
                rating: columns.index[fields.rating], timestamp: columns.index[fields.timestamp],
                labels: (fields.user, fields.item, fields.rating, fields.timestamp))
        }
        sources.append((name: URL(fileURLWithPath: interFile).lastPathComponent, sha256: interSHA))

        var items = SideTable<ItemSide>()
        if let itemFile {
            var columns: TypedHeader?
            var idColumn = 0
            let sha = try TableFile.forEachRow(in: itemFile, layout: .tabs, hasHeader: true, header: { header in
                columns = try TypedHeader(header!)
                idColumn = try columns!.position(of: fields.item, for: "item")
            }) { record in
                let columns = columns!
                let item = try record.id(idColumn, field: fields.item, into: &table.itemIDs)
                if let line = items[item]?.line {
                    throw record.error(fields.item, "item \(record.display(idColumn)) is listed twice (first on line \(line))")
                }
                var entry = ItemSide()
                entry.line = record.line
                for (column, (name, type)) in columns.fields.enumerated() where column != idColumn {
                    let value = try record.text(column, field: name)
                    if titleColumns.contains(name) && entry.title.isEmpty {
                        entry.title = value
                    } else if yearColumns.contains(name) && entry.year == nil {
                        let trimmed = try record.text(column, field: name, trimmed: true)
                        if !trimmed.isEmpty {
                            guard let year = Int(trimmed) ?? Double(trimmed).flatMap({ $0.isFinite && $0 == $0.rounded() && abs($0) < 1e6 ? Int($0) : nil }) else {
                                throw record.error(name, "\"\(value)\" is not a year")
                            }
                            entry.year = year
                        }
                    } else if genreColumns.contains(name) && entry.genres.isEmpty {
                        entry.genres = type.hasSuffix("_seq") ? value.split(separator: " ").map(String.init) : (value.isEmpty ? [] : [value])
                    } else {
                        entry.attributes[name] = value
                    }
                }
                items[item] = entry
            }
            sources.append((name: URL(fileURLWithPath: itemFile).lastPathComponent, sha256: sha))
        }

        var users = SideTable<[String: String]>()
        if let userFile {
            var columns: TypedHeader?
            var idColumn = 0
            var lines: [Int32: Int] = [:]
            let sha = try TableFile.forEachRow(in: userFile, layout: .tabs, hasHeader: true, header: { header in
                columns = try TypedHeader(header!)
                idColumn = try columns!.position(of: fields.user, for: "user")
            }) { record in
                let user = try record.id(idColumn, field: fields.user, into: &table.userIDs)
                if let line = lines[user] {
                    throw record.error(fields.user, "user \(record.display(idColumn)) is listed twice (first on line \(line))")
                }
                lines[user] = record.line
                var attributes: [String: String] = [:]
                for (column, (name, _)) in columns!.fields.enumerated() where column != idColumn {
                    attributes[name] = try record.text(column, field: name)
                }
                users[user] = attributes
            }
            sources.append((name: URL(fileURLWithPath: userFile).lastPathComponent, sha256: sha))
        }
        return table.dataset(name: name, sources: sources, itemInfo: { items[Int32($0)]?.info }, userInfo: { users[Int32($0)] })
    }

    /// A RecBole header: every column `name:type`.
    struct TypedHeader {
        let header: HeaderRow
        let fields: [(name: String, type: String)]
        let index: [String: Int]

        init(_ header: HeaderRow) throws {
            self.header = header
            var fields: [(name: String, type: String)] = []
            var index: [String: Int] = [:]
            for (column, raw) in header.names.enumerated() {
                let label = "column \(column + 1) of the header"
                guard let colon = raw.lastIndex(of: ":") else {
                    throw DataFileError(file: header.path, line: header.line, field: label,
                                        message: "\"\(raw)\" has no type; RecBole headers are name:type, e.g. user_id:token, rating:float")
                }
                let name = String(raw[..<colon]), type = String(raw[raw.index(after: colon)...])
                guard RecBoleAtomic.types.contains(type) else {
                    var message = "\"\(raw)\" has type \"\(type)\"; the types are \(RecBoleAtomic.types.joined(separator: ", "))"
                    if let suggestion = Suggest.closest(to: type, among: RecBoleAtomic.types) { message += "; did you mean \"\(suggestion)\"?" }
                    throw DataFileError(file: header.path, line: header.line, field: label, message: message)
                }
                if let previous = index[name] {
                    throw DataFileError(file: header.path, line: header.line, field: label,
                                        message: "column name \"\(name)\" appears twice in the header (columns \(previous + 1) and \(column + 1))")
                }
                index[name] = column
                fields.append((name, type))
            }
            self.fields = fields
            self.index = index
        }

        /// The position of a column by name (without type); an unknown name lists the header's names.
        func position(of name: String, for role: String) throws -> Int {
            if let column = index[name] { return column }
            let names = fields.map(\.name)
            var message = "no column named \"\(name)\" (for \(role)); the header has \(names.map { "\"\($0)\"" }.joined(separator: ", "))"
            if let suggestion = Suggest.closest(to: name, among: names) { message += "; did you mean \"\(suggestion)\"?" }
            throw DataFileError(file: header.path, line: header.line, field: role, message: message)
        }
    }
}
