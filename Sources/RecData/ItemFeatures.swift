import RecKit
import RecMath

/// Item side information as a sparse items × features matrix, the form plugins receive through the
/// `rb_item_features_v1` extension (`PluginModel.setItemFeatures`).
///
/// Row i is the item with dense id i (`dataset.itemIDs` order, the training matrix's column i).
/// Every column is one named token, prefixed by its kind:
/// - `genre:Comedy`: the item has the genre (weight 1), the genre as the dataset spells it;
/// - `year:1995` and `decade:1990s`: the release year (weight 1), from `dataset.itemYears`;
/// - `title:toy`: a word of the title, counted (`"New York, New York"` gives `title:new` 2);
///   see `titleWords` for the tokenisation;
/// - `tag:pixar`: a tag, counted over every user's application of it; see `normalizedTag`.
/// Columns are sorted by name, so the same dataset always gives the same matrix, whatever the
/// order its files listed things in. Items without side information have empty rows.
public struct ItemFeatures: Sendable {
    public enum Kind: String, CaseIterable, Sendable, Hashable {
        case genre, year, decade, title, tag

        public static let all = Set(Kind.allCases)

        /// "genre:" — what every column name of this kind starts with.
        public var prefix: String { rawValue + ":" }
    }

    /// items × features; values are weights (1) or counts.
    public var matrix: CSRMatrix
    /// `names[f]` names column f; ascending.
    public var names: [String]

    public init(matrix: CSRMatrix, names: [String]) {
        precondition(names.count == matrix.columnCount, "one name per feature column")
        self.matrix = matrix
        self.names = names
    }

    /// The features of `kinds` for every item of `dataset`; nil when they give no column at all
    /// (the dataset has no side information of those kinds).
    public static func build(from dataset: Dataset, kinds: Set<Kind> = Kind.all) -> ItemFeatures? {
        // Per item, token → weight; counts add up (title words, tags), flags stay 1 (genres, years).
        var perItem = [[String: Float]](repeating: [:], count: dataset.itemCount)
        for item in 0..<dataset.itemCount {
            var tokens: [String: Float] = [:]
            if kinds.contains(.genre), item < dataset.itemGenres.count {
                for genre in dataset.itemGenres[item] where !genre.isEmpty { tokens[Kind.genre.prefix + genre] = 1 }
            }
            if let year = dataset.itemYears[item] {
                if kinds.contains(.year) { tokens[Kind.year.prefix + String(year)] = 1 }
                if kinds.contains(.decade) { tokens[Kind.decade.prefix + decade(of: year)] = 1 }
            }
            if kinds.contains(.title), item < dataset.itemTitles.count {
                for word in titleWords(dataset.itemTitles[item]) { tokens[Kind.title.prefix + word, default: 0] += 1 }
            }
            if kinds.contains(.tag) {
                for tag in dataset.itemTags[item] {
                    if let normalized = normalizedTag(tag) { tokens[Kind.tag.prefix + normalized, default: 0] += 1 }
                }
            }
            perItem[item] = tokens
        }

        let names = Set(perItem.flatMap(\.keys)).sorted()
        guard !names.isEmpty else { return nil }
        let column = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) })
        var rows: [Int32] = [], columns: [Int32] = [], values: [Float] = []
        for (item, tokens) in perItem.enumerated() {
            for (name, weight) in tokens {
                rows.append(Int32(item))
                columns.append(column[name]!)
                values.append(weight)
            }
        }
        // Every (item, name) pair is a dictionary key once, so no entry repeats and this cannot throw.
        let matrix = try! CSRMatrix(rowCount: dataset.itemCount, columnCount: names.count,
                                    rows: rows, columns: columns, values: values)
        return ItemFeatures(matrix: matrix, names: names)
    }

    /// "1990s" for 1990…1999 (a year before 0 rounds down: −5 is in the "-10s").
    public static func decade(of year: Int) -> String {
        let start = year >= 0 ? year / 10 * 10 : -((-year + 9) / 10 * 10)
        return "\(start)s"
    }

    /// Words of a title, in order, with repeats: the trailing release year ("(1995)", "(2006–2007)")
    /// removed; lowercased; split into maximal runs of Unicode letters and digits (so "Schindler's"
    /// gives "schindler" and "s", "Se7en" stays whole, "Misérables" keeps its accent); single letters
    /// (the "s" of a possessive) and `stopWords` dropped; numbers kept ("Toy Story 2" gives "2").
    public static func titleWords(_ title: String) -> [String] {
        var words: [String] = []
        var current = ""
        func finish() {
            defer { current = "" }
            guard !current.isEmpty, !stopWords.contains(current) else { return }
            if current.count == 1, let only = current.first, only.isLetter { return }
            words.append(current)
        }
        for character in withoutTrailingYear(title).lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else {
                finish()
            }
        }
        finish()
        return words
    }

    /// English function words that say nothing about a film: articles, prepositions, conjunctions
    /// and forms of "to be". Deliberately small; titles in other languages keep theirs ("les").
    public static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "in", "into", "is", "it",
        "its", "of", "on", "or", "that", "the", "this", "to", "was", "with",
    ]

    /// A tag as a feature name: lowercased, surrounding white space trimmed and inner runs of white
    /// space made one space ("Pixar " and "pixar" are one tag, "In Netflix  queue" is "in netflix
    /// queue"); nil when nothing is left.
    public static func normalizedTag(_ tag: String) -> String? {
        let words = tag.lowercased().split(whereSeparator: { $0.isWhitespace })
        return words.isEmpty ? nil : words.joined(separator: " ")
    }

    /// The title without the parenthesised year the dataset readers take `itemYears` from (the same
    /// rule: "(dddd)", "(dddd-)", "(dddd-dddd)" or with an en dash, last thing in the title).
    static func withoutTrailingYear(_ title: String) -> Substring {
        guard MovieTitle.year(in: title) != nil, let open = title.lastIndex(of: "(") else { return title[...] }
        return title[..<open]
    }
}
