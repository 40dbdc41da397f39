import Foundation
import Testing
@testable import RecData

// ItemFeatures: the items × features matrix plugins receive as side information. Hand-made
// datasets have their expected rows written out below; the real-file figures were counted by an
// independent Python implementation of the same rules (the script is quoted in `realML100K`).

@Suite("Item features")
struct ItemFeaturesTests {
    /// Five items (dense ids 0–4):
    ///   0 "Toy Story (1995)"          Animation, Children's, Comedy   1995  tags "Pixar", "pixar ", "fun"
    ///   1 "New York, New York (1977)" Drama, Musical                   1977
    ///   2 "Schindler's List (1993)"   Drama, War                       1993  tag "In  Netflix queue"
    ///   3 "Misérables, Les (1995)"    Drama                            1995
    ///   4 no side information at all
    static func handMade() -> Dataset {
        Dataset(
            name: "hand", userIDs: ["1"], itemIDs: ["10", "20", "30", "40", "50"],
            users: [0], items: [0], ratings: [5], timestamps: [0],
            itemTitles: ["Toy Story (1995)", "New York, New York (1977)", "Schindler's List (1993)", "Misérables, Les (1995)", ""],
            itemGenres: [["Animation", "Children's", "Comedy"], ["Drama", "Musical"], ["Drama", "War"], ["Drama"], []],
            itemYears: [1995, 1977, 1993, 1995, nil],
            itemTags: [["Pixar", "pixar ", "fun"], [], ["In  Netflix queue"], [], []])
    }

    /// Row `item` as name → value.
    static func row(_ features: ItemFeatures, _ item: Int) -> [String: Float] {
        let m = features.matrix
        var row: [String: Float] = [:]
        for k in Int(m.indptr[item])..<Int(m.indptr[item + 1]) { row[features.names[Int(m.indices[k])]] = m.values[k] }
        return row
    }

    @Test("hand-made dataset: every column named and sorted, every row as worked out")
    func handMadeRows() throws {
        let features = try #require(ItemFeatures.build(from: Self.handMade()))
        // "Schindler's" gives "schindler" and the single letter "s" (dropped); "New York, New York"
        // counts each word twice; the tags "Pixar" and "pixar " are one tag applied twice; the
        // title years are not words. Sorted by name (ASCII: digits < capitals < lowercase).
        #expect(features.names == [
            "decade:1970s", "decade:1990s",
            "genre:Animation", "genre:Children's", "genre:Comedy", "genre:Drama", "genre:Musical", "genre:War",
            "tag:fun", "tag:in netflix queue", "tag:pixar",
            "title:les", "title:list", "title:misérables", "title:new", "title:schindler", "title:story", "title:toy", "title:york",
            "year:1977", "year:1993", "year:1995",
        ])
        #expect(features.matrix.rowCount == 5 && features.matrix.columnCount == 22)
        #expect(Self.row(features, 0) == ["genre:Animation": 1, "genre:Children's": 1, "genre:Comedy": 1, "year:1995": 1,
                                          "decade:1990s": 1, "title:toy": 1, "title:story": 1, "tag:pixar": 2, "tag:fun": 1])
        #expect(Self.row(features, 1) == ["genre:Drama": 1, "genre:Musical": 1, "year:1977": 1, "decade:1970s": 1,
                                          "title:new": 2, "title:york": 2])
        #expect(Self.row(features, 2) == ["genre:Drama": 1, "genre:War": 1, "year:1993": 1, "decade:1990s": 1,
                                          "title:schindler": 1, "title:list": 1, "tag:in netflix queue": 1])
        #expect(Self.row(features, 3) == ["genre:Drama": 1, "year:1995": 1, "decade:1990s": 1, "title:misérables": 1, "title:les": 1])
        #expect(Self.row(features, 4).isEmpty)
        // CSR invariants: columns ascending within each row.
        for item in 0..<5 {
            let columns = Array(features.matrix.columns(of: item))
            #expect(columns == columns.sorted())
        }
    }

    @Test("kinds select the columns; nil when the chosen kinds give nothing")
    func kinds() throws {
        let dataset = Self.handMade()
        let some = try #require(ItemFeatures.build(from: dataset, kinds: [.genre, .tag]))
        #expect(some.names == ["genre:Animation", "genre:Children's", "genre:Comedy", "genre:Drama", "genre:Musical", "genre:War",
                               "tag:fun", "tag:in netflix queue", "tag:pixar"])
        #expect(Self.row(some, 0) == ["genre:Animation": 1, "genre:Children's": 1, "genre:Comedy": 1, "tag:pixar": 2, "tag:fun": 1])
        let decades = try #require(ItemFeatures.build(from: dataset, kinds: [.decade]))
        #expect(decades.names == ["decade:1970s", "decade:1990s"])
        #expect(decades.matrix.indptr == [0, 1, 2, 3, 4, 4])
        #expect(ItemFeatures.build(from: dataset, kinds: []) == nil)

        // Interactions only: no side information of any kind.
        let bare = Dataset(name: "bare", userIDs: ["1"], itemIDs: ["1", "2"], users: [0, 0], items: [0, 1], ratings: [1, 1],
                           timestamps: [0, 0], itemTitles: ["", ""], itemGenres: [[], []])
        #expect(ItemFeatures.build(from: bare) == nil)
        // Titles but no tags: asking for tags alone gives nothing.
        let titled = Dataset(name: "titled", userIDs: ["1"], itemIDs: ["1"], users: [0], items: [0], ratings: [1],
                             timestamps: [0], itemTitles: ["Heat (1995)"], itemGenres: [[]])
        #expect(ItemFeatures.build(from: titled, kinds: [.tag]) == nil)
        #expect(ItemFeatures.build(from: titled)?.names == ["title:heat"])
    }

    @Test("title words: year removed, lowercase Unicode letters and digits, stop words and single letters dropped")
    func titleWords() {
        #expect(ItemFeatures.titleWords("Toy Story 2 (1999)") == ["toy", "story", "2"])
        #expect(ItemFeatures.titleWords("Shawshank Redemption, The (1994)") == ["shawshank", "redemption"])
        #expect(ItemFeatures.titleWords("Se7en (1995)") == ["se7en"])
        #expect(ItemFeatures.titleWords("Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)")
                == ["shanghai", "triad", "yao", "yao", "yao", "dao", "waipo", "qiao"])
        // A range is a year too; "nôto" keeps its accent and "Desu" is lowercased.
        #expect(ItemFeatures.titleWords("Death Note: Desu nôto (2006–2007)") == ["death", "note", "desu", "nôto"])
        // The year is not last here (MovieLens 100K item 1412), so it stays a word and "(V)" is a single letter.
        #expect(ItemFeatures.titleWords("Land Before Time III: The Time the Great Giving (1995) (V)")
                == ["land", "before", "time", "iii", "time", "great", "giving", "1995"])
        #expect(ItemFeatures.titleWords("ÉTÉ À PARIS") == ["été", "paris"])
        #expect(ItemFeatures.titleWords("(1995)").isEmpty)
        #expect(ItemFeatures.titleWords("").isEmpty)
    }

    @Test("decades and tags")
    func decadesAndTags() {
        #expect(ItemFeatures.decade(of: 1995) == "1990s")
        #expect(ItemFeatures.decade(of: 2000) == "2000s")
        #expect(ItemFeatures.decade(of: 1899) == "1890s")
        #expect(ItemFeatures.normalizedTag("  Pixar\tanimation ") == "pixar animation")
        #expect(ItemFeatures.normalizedTag(" \t") == nil)
    }

    /// Expected figures from an independent implementation of the same rules in Python
    /// (/tmp/content/features.py at the time of writing; its core):
    ///
    ///     YEAR = re.compile(r'\((\d{4})(?:(?:-|\u2013)(?:\d{4})?)?\)[ \t]*$')
    ///     def words(title):
    ///         if YEAR.search(title): title = title[:title.rfind('(')]
    ///         return [t for t in re.findall(r'[^\W_]+', title.lower())
    ///                 if t not in STOP and not (len(t) == 1 and t.isalpha())]
    ///     # u.item (Latin-1): genre flags in u.genre order → 'genre:'+g = 1; year → 'year:%d', 'decade:%ds'
    ///     # (y // 10 * 10); each word → 'title:'+w += 1.
    ///
    /// It printed: 2442 columns (19 genre, 71 year, 8 decade, 2344 title), 10,021 non-zeros summing
    /// to 10,067; Drama in 725 items, Comedy in 505, unknown in 2; item 1412 has title:time 2.
    @Test("MovieLens 100K: 19 genre columns, Toy Story's row, counts as computed independently",
          .enabled(if: ReaderTestData.has("ml-100k/u.item"), "needs the shared datasets"))
    func realML100K() throws {
        let dataset = try MovieLens100K.load(from: ReaderTestData.dataDirectory)
        let features = try #require(ItemFeatures.build(from: dataset))
        #expect(features.matrix.rowCount == 1682)
        #expect(features.names == features.names.sorted())
        let kinds = Dictionary(grouping: features.names, by: { String($0.prefix { $0 != ":" }) }).mapValues(\.count)
        #expect(kinds == ["genre": 19, "year": 71, "decade": 8, "title": 2344])
        #expect(features.matrix.nonZeroCount == 10_021)
        #expect(features.matrix.values.reduce(0, +) == 10_067)

        let toyStory = try #require(dataset.itemIDs.firstIndex(of: "1"))
        #expect(Self.row(features, toyStory) == ["genre:Animation": 1, "genre:Children's": 1, "genre:Comedy": 1, "year:1995": 1,
                                                 "decade:1990s": 1, "title:toy": 1, "title:story": 1])
        let landBeforeTime = try #require(dataset.itemIDs.firstIndex(of: "1412"))
        #expect(Self.row(features, landBeforeTime) == ["genre:Animation": 1, "genre:Children's": 1, "title:land": 1, "title:before": 1,
                                                       "title:time": 2, "title:iii": 1, "title:great": 1, "title:giving": 1, "title:1995": 1])
        // Document frequencies of three genres.
        func df(_ name: String) throws -> Int {
            let column = Int32(try #require(features.names.firstIndex(of: name)))
            return features.matrix.indices.count { $0 == column }
        }
        #expect(try df("genre:Drama") == 725 && df("genre:Comedy") == 505 && df("genre:unknown") == 2)
    }

    /// Same Python script on movies.csv (UTF-8) and tags.csv ('tag:' + ' '.join(tag.lower().split()),
    /// counted): 10,778 columns (19 genre, 106 year, 12 decade, 9166 title, 1475 tag), 69,751
    /// non-zeros summing to 70,438; movie 1 has tag:pixar 2 and tag:fun 1.
    @Test("MovieLens latest-small: tags counted over applications, every catalogue item a row",
          .enabled(if: ReaderTestData.has("ml-latest-small/tags.csv"), "needs the shared datasets"))
    func realLatestSmall() throws {
        let dataset = try MovieLensCSV.load(.latestSmall, from: ReaderTestData.dataDirectory)
        let features = try #require(ItemFeatures.build(from: dataset))
        #expect(features.matrix.rowCount == 9742)
        let kinds = Dictionary(grouping: features.names, by: { String($0.prefix { $0 != ":" }) }).mapValues(\.count)
        #expect(kinds == ["genre": 19, "year": 106, "decade": 12, "title": 9166, "tag": 1475])
        #expect(features.matrix.nonZeroCount == 69_751)
        #expect(features.matrix.values.reduce(0, +) == 70_438)
        let toyStory = try #require(dataset.itemIDs.firstIndex(of: "1"))
        #expect(Self.row(features, toyStory) == ["genre:Adventure": 1, "genre:Animation": 1, "genre:Children": 1, "genre:Comedy": 1,
                                                 "genre:Fantasy": 1, "year:1995": 1, "decade:1990s": 1, "title:toy": 1,
                                                 "title:story": 1, "tag:pixar": 2, "tag:fun": 1])
    }
}

