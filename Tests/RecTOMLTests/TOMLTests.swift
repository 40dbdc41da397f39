import Testing
@testable import RecTOML

// MARK: - Helpers

private func parse(_ text: String) throws -> TOMLTable {
    try TOML.parse(text, file: "t.toml")
}

private func pos(_ line: Int, _ column: Int) -> TOMLPosition {
    TOMLPosition(line: line, column: column)
}

/// Follows a dotted path of table keys (no array indexing).
private func node(_ table: TOMLTable, _ path: String...) -> TOMLNode? {
    var current = table
    for (k, key) in path.enumerated() {
        guard let n = current[key] else { return nil }
        if k == path.count - 1 { return n }
        guard case .table(let t) = n.value else { return nil }
        current = t
    }
    return nil
}

private func table(_ n: TOMLNode?) -> TOMLTable? { n?.value.tableValue }
private func array(_ n: TOMLNode?) -> [TOMLNode]? { n?.value.arrayValue }

/// Parses `text`, expects a TOMLError at line:column whose message contains `fragment`.
private func expectError(
    _ text: String, _ line: Int, _ column: Int, _ fragment: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        _ = try TOML.parse(text, file: "t.toml")
        Issue.record("expected an error containing \"\(fragment)\", but parsing succeeded", sourceLocation: sourceLocation)
    } catch let error as TOMLError {
        #expect(error.file == "t.toml", sourceLocation: sourceLocation)
        #expect(error.position == pos(line, column), "message: \(error.message)", sourceLocation: sourceLocation)
        #expect(error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
    }
}

// MARK: - Basic structure and positions

@Test func emptyAndCommentOnlyDocuments() throws {
    let empty = try parse("")
    #expect(empty.isEmpty)
    #expect(empty.position == pos(1, 1))
    let comments = try parse("# just a comment\n\n   # another one\n")
    #expect(comments.keys == [])
    let bom = try parse("\u{FEFF}a = 1")
    #expect(bom.entry("a")?.keyPosition == pos(1, 1))
    #expect(bom["a"]?.position == pos(1, 5))
}

@Test func keyAndValuePositions() throws {
    let t = try parse(#"""
    # comment
    title = "TOML Example"
    [owner]
    name = "Tom"   # trailing
      dob = 1979-05-27T07:32:00-08:00
    """#)
    #expect(t.keys == ["title", "owner"])
    let title = try #require(t.entry("title"))
    #expect(title.keyPosition == pos(2, 1))
    #expect(title.node.position == pos(2, 9))
    #expect(title.node.value.stringValue == "TOML Example")

    let owner = try #require(t.entry("owner"))
    #expect(owner.keyPosition == pos(3, 2))
    #expect(owner.node.position == pos(3, 1))
    let ownerTable = try #require(owner.node.value.tableValue)
    #expect(ownerTable.position == pos(3, 1))
    #expect(ownerTable.keys == ["name", "dob"])
    #expect(ownerTable.entry("name")?.keyPosition == pos(4, 1))
    #expect(ownerTable["name"]?.position == pos(4, 8))
    #expect(ownerTable.entry("dob")?.keyPosition == pos(5, 3))
    #expect(ownerTable["dob"]?.position == pos(5, 9))
    #expect(ownerTable["dob"]?.value.datetimeValue == "1979-05-27T07:32:00-08:00")
    #expect(t.position == pos(1, 1))
}

@Test func columnsCountUnicodeScalarsAndTabs() throws {
    let t = try parse("\"ключ\" = \"значение\"\n\tk = 1")
    #expect(t.entry("ключ")?.keyPosition == pos(1, 1))
    #expect(t["ключ"]?.position == pos(1, 10))
    #expect(t["ключ"]?.value.stringValue == "значение")
    #expect(t.entry("k")?.keyPosition == pos(2, 2))
    #expect(t["k"]?.position == pos(2, 6))
}

@Test func specTopLevelExample() throws {
    let t = try parse(#"""
    # This is a TOML document

    title = "TOML Example"

    [owner]
    name = "Tom Preston-Werner"
    dob = 1979-05-27T07:32:00-08:00

    [database]
    enabled = true
    ports = [ 8000, 8001, 8002 ]
    data = [ ["delta", "phi"], [3.14] ]
    temp_targets = { cpu = 79.5, case = 72.0 }

    [servers]

    [servers.alpha]
    ip = "10.0.0.1"
    role = "frontend"

    [servers.beta]
    ip = "10.0.0.2"
    role = "backend"
    """#)
    #expect(t.keys == ["title", "owner", "database", "servers"])
    #expect(node(t, "owner", "name")?.value.stringValue == "Tom Preston-Werner")
    #expect(node(t, "database")?.position == pos(9, 1))
    #expect(node(t, "database", "enabled")?.value.boolValue == true)
    let ports = try #require(array(node(t, "database", "ports")))
    #expect(ports.compactMap(\.value.integerValue) == [8000, 8001, 8002])
    #expect(node(t, "database", "ports")?.position == pos(11, 9))
    #expect(ports.map(\.position) == [pos(11, 11), pos(11, 17), pos(11, 23)])
    let data = try #require(array(node(t, "database", "data")))
    #expect(data.count == 2)
    #expect(array(data[0])?.compactMap(\.value.stringValue) == ["delta", "phi"])
    #expect(array(data[1])?.first?.value.floatValue == 3.14)
    #expect(node(t, "database", "temp_targets", "cpu")?.value.floatValue == 79.5)
    #expect(node(t, "database", "temp_targets", "case")?.value.floatValue == 72.0)
    #expect(table(node(t, "servers"))?.keys == ["alpha", "beta"])
    #expect(node(t, "servers", "beta")?.position == pos(21, 1))
    #expect(node(t, "servers", "beta", "role")?.value.stringValue == "backend")
    #expect(node(t, "servers", "alpha", "ip")?.position == pos(18, 6))
}

// MARK: - Keys

@Test func bareQuotedAndDottedKeys() throws {
    let t = try parse(#"""
    a.b.c = 1
    "x y" = 2
    site."google.com" = true
    physical.color = "orange"
    physical.shape = "round"
    spaced . key = 3
    'literal.key' = 4
    "quoted \"key\"" = 5
    "" = 6
    bare-key_1 = 7
    1234 = 8
    3.14159 = "pi"
    """#)
    #expect(t.keys == ["a", "x y", "site", "physical", "spaced", "literal.key", "quoted \"key\"", "", "bare-key_1", "1234", "3"])
    let a = try #require(t.entry("a"))
    #expect(a.keyPosition == pos(1, 1))
    #expect(a.node.position == pos(1, 1))
    #expect(table(node(t, "a"))?.entry("b")?.keyPosition == pos(1, 3))
    #expect(table(node(t, "a", "b"))?.entry("c")?.keyPosition == pos(1, 5))
    #expect(node(t, "a", "b", "c")?.position == pos(1, 9))
    #expect(node(t, "a", "b", "c")?.value.integerValue == 1)
    #expect(t.entry("x y")?.keyPosition == pos(2, 1))
    #expect(t["x y"]?.position == pos(2, 9))
    #expect(table(node(t, "site"))?.entry("google.com")?.keyPosition == pos(3, 6))
    #expect(node(t, "site", "google.com")?.value.boolValue == true)
    #expect(table(node(t, "physical"))?.keys == ["color", "shape"])
    #expect(table(node(t, "spaced"))?.entry("key")?.keyPosition == pos(6, 10))
    #expect(t["literal.key"]?.value.integerValue == 4)
    #expect(t["quoted \"key\""]?.value.integerValue == 5)
    #expect(t[""]?.value.integerValue == 6)
    #expect(node(t, "3", "14159")?.value.stringValue == "pi")
}

@Test func dottedKeysExtendTablesOfTheSameSection() throws {
    let t = try parse(#"""
    [fruit]
    apple.color = "red"
    apple.taste.sweet = true

    [fruit.apple.texture]  # you can add sub-tables
    smooth = true
    """#)
    #expect(table(node(t, "fruit", "apple"))?.keys == ["color", "taste", "texture"])
    #expect(node(t, "fruit", "apple", "taste", "sweet")?.value.boolValue == true)
    #expect(node(t, "fruit", "apple", "texture", "smooth")?.value.boolValue == true)
    #expect(node(t, "fruit", "apple", "texture")?.position == pos(5, 1))
}

// MARK: - Tables and arrays of tables

@Test func implicitTablesCanBeDefinedLater() throws {
    let t = try parse(#"""
    # [x] you
    # [x.y] don't
    # [x.y.z] need these
    [x.y.z.w] # for this to work
    a = 1

    [x] # defining a super-table afterward is ok
    b = 2
    """#)
    let x = try #require(t.entry("x"))
    #expect(x.keyPosition == pos(7, 2))
    #expect(x.node.position == pos(7, 1))
    #expect(table(x.node)?.keys == ["y", "b"])
    #expect(node(t, "x", "y", "z", "w", "a")?.value.integerValue == 1)
    #expect(node(t, "x", "y")?.position == pos(4, 1))
    #expect(table(node(t, "x", "y"))?.entry("z")?.keyPosition == pos(4, 6))
}

@Test func arrayOfTablesWithSubTablesAttachToLatestElement() throws {
    let t = try parse(#"""
    [[models]]
    name = "popularity"

    [[models]]
    name = "als"
    [models.params]
    factors = 64
    lr = 0.01

    [[models]]
    name = "knn"
    [models.params]
    k = 20
    """#)
    #expect(t.keys == ["models"])
    let entry = try #require(t.entry("models"))
    #expect(entry.keyPosition == pos(1, 3))
    #expect(entry.node.position == pos(1, 1))
    let models = try #require(entry.node.value.arrayValue)
    #expect(models.count == 3)
    #expect(models.map(\.position) == [pos(1, 1), pos(4, 1), pos(10, 1)])

    let first = try #require(models[0].value.tableValue)
    #expect(first.keys == ["name"])
    #expect(first["name"]?.value.stringValue == "popularity")

    let second = try #require(models[1].value.tableValue)
    #expect(second.keys == ["name", "params"])
    #expect(second["name"]?.value.stringValue == "als")
    let params = try #require(second.entry("params"))
    #expect(params.keyPosition == pos(6, 9))
    #expect(params.node.position == pos(6, 1))
    let p = try #require(params.node.value.tableValue)
    #expect(p.keys == ["factors", "lr"])
    #expect(p["factors"]?.value.integerValue == 64)
    #expect(p["factors"]?.position == pos(7, 11))
    #expect(p.entry("lr")?.keyPosition == pos(8, 1))
    #expect(p["lr"]?.value.floatValue == 0.01)

    let third = try #require(models[2].value.tableValue)
    #expect(third["name"]?.value.stringValue == "knn")
    #expect(node(third, "params", "k")?.value.integerValue == 20)
    #expect(node(third, "params", "k")?.position == pos(13, 5))
    #expect(node(third, "params", "factors") == nil)
}

@Test func specNestedArraysOfTables() throws {
    let t = try parse(#"""
    [[fruits]]
    name = "apple"

    [fruits.physical]  # subtable
    color = "red"
    shape = "round"

    [[fruits.varieties]]  # nested array of tables
    name = "red delicious"

    [[fruits.varieties]]
    name = "granny smith"


    [[fruits]]
    name = "banana"

    [[fruits.varieties]]
    name = "plantain"
    """#)
    let fruits = try #require(array(t["fruits"]))
    #expect(fruits.count == 2)
    let apple = try #require(fruits[0].value.tableValue)
    #expect(apple.keys == ["name", "physical", "varieties"])
    #expect(node(apple, "physical", "color")?.value.stringValue == "red")
    let appleVarieties = try #require(array(apple["varieties"]))
    #expect(appleVarieties.compactMap { $0.value.tableValue?["name"]?.value.stringValue } == ["red delicious", "granny smith"])
    #expect(appleVarieties.map(\.position) == [pos(8, 1), pos(11, 1)])
    let banana = try #require(fruits[1].value.tableValue)
    let bananaVarieties = try #require(array(banana["varieties"]))
    #expect(bananaVarieties.count == 1)
    #expect(bananaVarieties[0].value.tableValue?["name"]?.value.stringValue == "plantain")
    #expect(bananaVarieties[0].value.tableValue?["name"]?.position == pos(19, 8))
}

@Test func whitespaceInsideHeaders() throws {
    let t = try parse("[ a . \"b c\" ]\nx = 1\n[[ arr ]]\n")
    #expect(node(t, "a", "b c", "x")?.value.integerValue == 1)
    #expect(table(node(t, "a"))?.entry("b c")?.keyPosition == pos(1, 7))
    #expect(array(t["arr"])?.count == 1)
    #expect(t.entry("arr")?.keyPosition == pos(3, 4))
}

// MARK: - Inline tables

@Test func inlineTables() throws {
    let t = try parse(#"""
    point = { x = 1, y = 2 }
    animal = { type.name = "pug" }
    empty = {}
    nested = { inner = { deep = true }, list = [1, 2] }
    """#)
    let point = try #require(t.entry("point"))
    #expect(point.keyPosition == pos(1, 1))
    #expect(point.node.position == pos(1, 9))
    let p = try #require(point.node.value.tableValue)
    #expect(p.position == pos(1, 9))
    #expect(p.keys == ["x", "y"])
    #expect(p.entry("x")?.keyPosition == pos(1, 11))
    #expect(p["x"]?.position == pos(1, 15))
    #expect(p.entry("y")?.keyPosition == pos(1, 18))
    #expect(p["y"]?.position == pos(1, 22))
    #expect(node(t, "animal", "type", "name")?.value.stringValue == "pug")
    #expect(table(t["empty"])?.isEmpty == true)
    #expect(node(t, "nested", "inner", "deep")?.value.boolValue == true)
    #expect(array(node(t, "nested", "list"))?.count == 2)
}

// MARK: - Arrays

@Test func arrays() throws {
    let t = try parse(#"""
    integers = [ 1, 2, 3 ]
    nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
    numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
    contributors = [
      "Foo Bar <foo@example.com>",
      { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
    ]
    integers3 = [
      1,
      2, # this is ok
    ]
    empty = [ ]
    commented = [ # start
      # a comment line

      "x" # after the element
      , "y"
    ]
    """#)
    #expect(array(t["integers"])?.compactMap(\.value.integerValue) == [1, 2, 3])
    let mixed = try #require(array(t["nested_mixed_array"]))
    #expect(mixed.map(\.value.typeName) == ["array", "array"])
    #expect(array(mixed[1])?.compactMap(\.value.stringValue) == ["a", "b", "c"])
    let numbers = try #require(array(t["numbers"]))
    #expect(numbers.map(\.value.typeName) == ["float", "float", "float", "integer", "integer", "integer"])
    let contributors = try #require(array(t["contributors"]))
    #expect(contributors.map(\.position) == [pos(5, 3), pos(6, 3)])
    #expect(contributors[1].value.tableValue?["url"]?.value.stringValue == "https://example.com/bazqux")
    #expect(array(t["integers3"])?.compactMap(\.value.integerValue) == [1, 2])
    #expect(array(t["integers3"])?.map(\.position) == [pos(9, 3), pos(10, 3)])
    #expect(array(t["empty"])?.isEmpty == true)
    #expect(array(t["commented"])?.compactMap(\.value.stringValue) == ["x", "y"])
    #expect(array(t["commented"])?.map(\.position) == [pos(16, 3), pos(17, 5)])
}

// MARK: - Strings

@Test func basicStringsAndEscapes() throws {
    let t = try parse(#"""
    str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."
    all = "\b\t\n\f\r\"\\"
    big = "\U0001F600 smile"
    tab = "a	b"
    """#)
    #expect(t["str"]?.value.stringValue == "I'm a string. \"You can quote me\". Name\tJos\u{E9}\nLocation\tSF.")
    #expect(t["all"]?.value.stringValue == "\u{08}\t\n\u{0C}\r\"\\")
    #expect(t["big"]?.value.stringValue == "\u{1F600} smile")
    #expect(t["tab"]?.value.stringValue == "a\tb")
}

@Test func literalStrings() throws {
    let t = try parse(#"""
    winpath  = 'C:\Users\nodejs\templates'
    winpath2 = '\\ServerX\admin$\system32\'
    quoted   = 'Tom "Dubs" Preston-Werner'
    regex    = '<\i\c*\s*>'
    """#)
    #expect(t["winpath"]?.value.stringValue == #"C:\Users\nodejs\templates"#)
    #expect(t["winpath2"]?.value.stringValue == #"\\ServerX\admin$\system32\"#)
    #expect(t["quoted"]?.value.stringValue == #"Tom "Dubs" Preston-Werner"#)
    #expect(t["regex"]?.value.stringValue == #"<\i\c*\s*>"#)
    #expect(t["winpath2"]?.position == pos(2, 12))
}

@Test func multilineBasicStrings() throws {
    let t = try parse(#"""
    str1 = """
    Roses are red
    Violets are blue"""
    str3 = """\
           The quick brown \
           fox jumps over \
           the lazy dog.\
           """
    str4 = """Here are two quotation marks: "". Simple enough."""
    str5 = """Here are three quotation marks: ""\"."""
    str7 = """"This," she said, "is just a pointless statement.""""
    after = 1
    """#)
    #expect(t["str1"]?.value.stringValue == "Roses are red\nViolets are blue")
    #expect(t["str3"]?.value.stringValue == "The quick brown fox jumps over the lazy dog.")
    #expect(t["str4"]?.value.stringValue == #"Here are two quotation marks: "". Simple enough."#)
    #expect(t["str5"]?.value.stringValue == #"Here are three quotation marks: """."#)
    #expect(t["str7"]?.value.stringValue == #""This," she said, "is just a pointless statement.""#)
    #expect(t["str3"]?.position == pos(4, 8))
    #expect(t.entry("after")?.keyPosition == pos(12, 1))
}

@Test func multilineLiteralStrings() throws {
    let t = try parse(#"""
    regex2 = '''I [dw]on't need \d{2} apples'''
    lines  = '''
    The first newline is
    trimmed in raw strings.
       All other whitespace
       is preserved.
    '''
    quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
    apos15 = "Here are fifteen apostrophes: '''''''''''''''"
    str = ''''That,' she said, 'is still pointless.''''
    """#)
    #expect(t["regex2"]?.value.stringValue == #"I [dw]on't need \d{2} apples"#)
    #expect(t["lines"]?.value.stringValue == "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n")
    #expect(t["quot15"]?.value.stringValue == "Here are fifteen quotation marks: " + String(repeating: "\"", count: 15))
    #expect(t["apos15"]?.value.stringValue == "Here are fifteen apostrophes: " + String(repeating: "'", count: 15))
    #expect(t["str"]?.value.stringValue == "'That,' she said, 'is still pointless.'")
    #expect(t.entry("quot15")?.keyPosition == pos(8, 1))
}

// MARK: - Numbers, booleans, date-times

@Test func integers() throws {
    let t = try parse(#"""
    int1 = +99
    int2 = 42
    int3 = 0
    int4 = -17
    int5 = 1_000
    int6 = 5_349_221
    int7 = 53_49_221
    int8 = 1_2_3_4_5
    hex1 = 0xDEADBEEF
    hex2 = 0xdeadbeef
    hex3 = 0xdead_beef
    oct1 = 0o01234567
    oct2 = 0o755
    bin1 = 0b11010110
    max = 9223372036854775807
    min = -9223372036854775808
    pz = +0
    nz = -0
    """#)
    let expected: [(String, Int64)] = [
        ("int1", 99), ("int2", 42), ("int3", 0), ("int4", -17), ("int5", 1000), ("int6", 5_349_221),
        ("int7", 5_349_221), ("int8", 12345), ("hex1", 0xDEADBEEF), ("hex2", 0xDEADBEEF), ("hex3", 0xDEADBEEF),
        ("oct1", 0o01234567), ("oct2", 0o755), ("bin1", 0b11010110), ("max", Int64.max), ("min", Int64.min),
        ("pz", 0), ("nz", 0),
    ]
    for (key, value) in expected {
        #expect(t[key]?.value.integerValue == value, "\(key)")
    }
    #expect(t["int1"]?.position == pos(1, 8))
}

@Test func floats() throws {
    let t = try parse(#"""
    flt1 = +1.0
    flt2 = 3.1415
    flt3 = -0.01
    flt4 = 5e+22
    flt5 = 1e06
    flt6 = -2E-2
    flt7 = 6.626e-34
    flt8 = 224_617.445_991_228
    sf1 = inf
    sf2 = +inf
    sf3 = -inf
    sf4 = nan
    sf5 = +nan
    sf6 = -nan
    """#)
    let expected: [(String, Double)] = [
        ("flt1", 1.0), ("flt2", 3.1415), ("flt3", -0.01), ("flt4", 5e22), ("flt5", 1e6), ("flt6", -0.02),
        ("flt7", 6.626e-34), ("flt8", 224_617.445_991_228), ("sf1", .infinity), ("sf2", .infinity), ("sf3", -.infinity),
    ]
    for (key, value) in expected {
        #expect(t[key]?.value.floatValue == value, "\(key)")
    }
    for key in ["sf4", "sf5", "sf6"] {
        #expect(t[key]?.value.floatValue?.isNaN == true, "\(key)")
    }
    #expect(t["flt1"]?.value.doubleValue == 1.0)
}

@Test func booleansAndTypeNames() throws {
    let t = try parse(#"""
    s = "x"
    i = 1
    f = 1.5
    b = true
    c = false
    d = 1979-05-27
    a = []
    t = {}
    """#)
    #expect(t.keys.map { t[$0]!.value.typeName } == ["string", "integer", "float", "boolean", "boolean", "datetime", "array", "table"])
    #expect(t["b"]?.value.boolValue == true)
    #expect(t["c"]?.value.boolValue == false)
    #expect(t["i"]?.value.doubleValue == 1.0)
    #expect(t["s"]?.value.integerValue == nil)
}

@Test func dateTimes() throws {
    let t = try parse(#"""
    odt1 = 1979-05-27T07:32:00Z
    odt2 = 1979-05-27T00:32:00-07:00
    odt3 = 1979-05-27T00:32:00.999999-07:00
    odt4 = 1979-05-27 07:32:00Z
    ldt1 = 1979-05-27T07:32:00
    ldt2 = 1979-05-27T00:32:00.999999
    ld1 = 1979-05-27
    lt1 = 07:32:00
    lt2 = 00:32:00.999999
    leap = 2024-02-29
    d = 1979-05-27 # birthday
    """#)
    let expected = [
        "odt1": "1979-05-27T07:32:00Z", "odt2": "1979-05-27T00:32:00-07:00",
        "odt3": "1979-05-27T00:32:00.999999-07:00", "odt4": "1979-05-27 07:32:00Z",
        "ldt1": "1979-05-27T07:32:00", "ldt2": "1979-05-27T00:32:00.999999", "ld1": "1979-05-27",
        "lt1": "07:32:00", "lt2": "00:32:00.999999", "leap": "2024-02-29", "d": "1979-05-27",
    ]
    for (key, value) in expected {
        #expect(t[key]?.value.datetimeValue == value, "\(key)")
    }
    #expect(t["odt4"]?.position == pos(4, 8))
}

@Test func crlfLineEndings() throws {
    let t = try parse("a = 1\r\nb = \"x\"\r\n[t]\r\nc = '''\r\nl1\r\nl2'''\r\nd = \"\"\"x\\\r\n   y\"\"\"\r\n")
    #expect(t.entry("b")?.keyPosition == pos(2, 1))
    #expect(t["b"]?.position == pos(2, 5))
    #expect(node(t, "t")?.position == pos(3, 1))
    #expect(table(node(t, "t"))?.entry("c")?.keyPosition == pos(4, 1))
    #expect(node(t, "t", "c")?.value.stringValue == "l1\nl2")
    #expect(node(t, "t", "d")?.value.stringValue == "xy")
    #expect(table(node(t, "t"))?.entry("d")?.keyPosition == pos(7, 1))
    expectError("a = 1\r\nb = 2x\r\n", 2, 5, "invalid number '2x'")
}

// MARK: - Errors: redefinitions

@Test func duplicateKeyErrors() {
    expectError("a = 1\nb = 2\na = 3", 3, 1, "duplicate key 'a' (first defined at 1:1)")
    expectError("[t]\nx = 1\n  x = 2", 3, 3, "duplicate key 't.x'")
    expectError("a.b = 1\na = { c = 2 }", 2, 1, "duplicate key 'a'")
    expectError("p = { x = 1, x = 2 }", 1, 14, "duplicate key 'p.x'")
    expectError("\"a\" = 1\na = 2", 2, 1, "duplicate key 'a'")
}

@Test func tableRedefinitionErrors() {
    expectError("[a]\nx = 1\n[b]\n[a]", 4, 2, "table [a] is already defined at 1:1")
    expectError("[a.b]\n[a.b]", 2, 4, "table [a.b] is already defined")
    expectError("[fruit]\napple.color = \"red\"\n[fruit.apple]", 3, 8, "already defined by dotted keys at 2:1")
    expectError("a.b = 1\n[a]", 2, 2, "already defined by dotted keys")
    expectError("[[a]]\n[a]", 2, 2, "already an array of tables")
    expectError("[a]\n[[a]]", 2, 3, "is already a table")
    expectError("a = 1\n[a.b]", 2, 2, "key 'a' already holds a value of type integer (defined at 1:1)")
    expectError("[a]\nb = 1\n[a.b]", 3, 4, "key 'a.b' is already defined at 2:1")
    expectError("a = 1\n[a]", 2, 2, "key 'a' is already defined at 1:1 with a value of type integer")
}

@Test func dottedKeyConflictErrors() {
    expectError("a.b = 1\na.b.c = 2", 2, 3, "key 'a.b' already holds a value of type integer")
    expectError("name = \"x\"\nname.first = \"y\"", 2, 1, "already holds a value of type string")
    expectError("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 3, "it is already defined by a [a.b.c] header at 1:1")
    expectError("[[a.b]]\n[a]\nb.y = 2", 3, 1, "cannot add to array of tables 'a.b'")
}

@Test func extendingInlineTablesAndStaticArraysFails() {
    expectError("p = { x = 1 }\n[p]", 2, 2, "cannot redefine inline table 'p' (defined at 1:5)")
    expectError("p = { x = 1 }\np.y = 2", 2, 1, "cannot extend inline table 'p'")
    expectError("p = { x = 1 }\n[p.q]", 2, 2, "cannot extend inline table 'p'")
    expectError("a = { b = { c = 1 }, b.d = 2 }", 1, 22, "cannot extend inline table 'a.b'")
    expectError("a = [1, 2]\n[[a]]", 2, 3, "cannot append to static array 'a' (defined at 1:5)")
    expectError("a = [{ x = 1 }]\n[a.b]", 2, 2, "cannot extend static array 'a'")
}

// MARK: - Errors: lexical

@Test func stringErrors() {
    expectError("s = \"abc\nx = 1", 1, 5, "unterminated string")
    expectError("s = 'abc", 1, 5, "unterminated string")
    expectError("x = 1\ns = \"\"\"abc\n\nx", 2, 5, "unterminated multi-line string")
    expectError("s = '''abc''", 1, 5, "unterminated multi-line string")
    expectError(#"s = "a\qb""#, 1, 7, #"invalid escape sequence '\q'"#)
    expectError(#"s = "\u12""#, 1, 6, "exactly 4 hexadecimal digits")
    expectError(#"s = "\uD800""#, 1, 6, "not a Unicode scalar value")
    expectError(#"s = "\e""#, 1, 6, "invalid escape sequence")
    expectError("s = \"a\u{01}b\"", 1, 7, "control character U+0001")
    expectError("\"\"\"key\"\"\" = 1", 1, 1, "multi-line strings cannot be used as keys")
}

@Test func numberErrors() {
    expectError("n = 0123", 1, 5, "leading zeros are not allowed")
    expectError("n = 03.14", 1, 5, "leading zeros are not allowed")
    expectError("n = 1__000", 1, 6, "underscore must be between two digits")
    expectError("n = 1_", 1, 6, "underscore must be between two digits")
    expectError("n = 1_.5", 1, 6, "underscore must be between two digits")
    expectError("n = _1", 1, 5, "invalid value '_1'")
    expectError("n = 1.", 1, 5, "expected digits after the decimal point")
    expectError("n = .5", 1, 5, "invalid value '.5'")
    expectError("n = 1e", 1, 5, "expected digits in the exponent")
    expectError("n = +0x10", 1, 5, "a sign is not allowed")
    expectError("n = 0x", 1, 5, "expected digits after '0x'")
    expectError("n = 9223372036854775808", 1, 5, "does not fit in a 64-bit signed integer")
    expectError("n = 1.5.3", 1, 5, "invalid number '1.5.3'")
    expectError("n = 0XFF", 1, 5, "invalid number")
}

@Test func dateTimeErrors() {
    expectError("d = 1979-13-01", 1, 5, "month must be between 01 and 12")
    expectError("d = 1979-02-29", 1, 5, "day must be between 01 and 28")
    expectError("t = 24:00:00", 1, 5, "hour must be between 00 and 23")
    expectError("t = 07:32", 1, 5, "expected a time as HH:MM:SS")
    expectError("d = 1979-05-27T07:32:00+25:00", 1, 5, "UTC offset is out of range")
    expectError("d = 1979-05-27X07:32:00", 1, 5, "expected 'T' or a space")
}

// MARK: - Errors: structure

@Test func missingValueAndMissingEquals() {
    expectError("a =\nb = 1", 1, 4, "missing value")
    expectError("a = # c", 1, 5, "missing value")
    expectError("a = ", 1, 5, "missing value")
    expectError("a 1", 1, 3, "expected '=' after key 'a', found '1'")
    expectError("a\nb = 1", 1, 2, "expected '=' after key 'a', found end of line")
    expectError("[t]\n  key \"v\"", 2, 7, "expected '=' after key 'key'")
    expectError("= 1", 1, 1, "expected a key")
    expectError("a = True", 1, 5, "booleans are lowercase")
    expectError("a = [1, , 2]", 1, 9, "expected a value, found ','")
}

@Test func garbageAfterValues() {
    expectError("a = 1 b = 2", 1, 7, "expected end of line after value, found 'b'")
    expectError("s = \"x\" y", 1, 9, "expected end of line after value, found 'y'")
    expectError("[t] x = 1", 1, 5, "expected end of line after table header, found 'x'")
    expectError("a = 1\rb = 2", 1, 6, "carriage return")
    expectError("# a\u{07}b", 1, 4, "control character U+0007 is not allowed in a comment")
}

@Test func inlineTableAndArraySyntaxErrors() {
    expectError("p = { x = 1,\n y = 2 }", 1, 13, "newline is not allowed inside an inline table")
    expectError("p = { x = 1\n}", 1, 12, "newline is not allowed inside an inline table")
    expectError("p = { x = 1, }", 1, 12, "trailing comma is not allowed in an inline table")
    expectError("p = { x = 1", 1, 5, "unterminated inline table")
    expectError("p = { x = 1 y = 2 }", 1, 13, "expected ',' or '}'")
    expectError("a = [1 2]", 1, 8, "expected ',' or ']'")
    expectError("a = [1, 2", 1, 5, "unterminated array")
}

@Test func headerSyntaxErrors() {
    expectError("[a", 1, 3, "expected ']' to close the table header")
    expectError("[[a]", 1, 5, "expected ']]'")
    expectError("[]", 1, 2, "expected a key")
    expectError("[a.]", 1, 4, "expected a key after '.'")
}

// MARK: - Error formatting and helpers

@Test func errorDescriptionFormat() throws {
    do {
        _ = try TOML.parse("a = 1\nb = 2\na = 3\n", file: "experiments/demo.toml")
        Issue.record("expected an error")
    } catch let error as TOMLError {
        #expect(error.line == 3)
        #expect(error.column == 1)
        #expect(error.description == "experiments/demo.toml:3:1: duplicate key 'a' (first defined at 1:1)")
    }
    #expect(TOMLPosition(line: 4, column: 7).description == "4:7")
    let custom = TOMLError(file: "f.toml", position: pos(2, 3), message: "unknown key 'lrr' (did you mean 'lr'?)")
    #expect(custom.description == "f.toml:2:3: unknown key 'lrr' (did you mean 'lr'?)")
}

@Test func tableLookupSurvivesEntryEdits() throws {
    var t = try parse("a = 1\nb = 2\nc = 3")
    #expect(t["b"]?.value.integerValue == 2)
    t.entries.remove(at: 0)
    #expect(t["b"]?.value.integerValue == 2)
    #expect(t["a"] == nil)
    t.entries.append(TOMLEntry(key: "z", keyPosition: pos(9, 1), node: TOMLNode(value: .bool(true), position: pos(9, 5))))
    #expect(t["z"]?.value.boolValue == true)
    #expect(t.keys == ["b", "c", "z"])
}
