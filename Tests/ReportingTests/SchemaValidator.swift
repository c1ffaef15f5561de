import Foundation

/// The part of JSON Schema that docs/report.schema.json uses: type (one or a list),
/// required, properties, items, enum, minimum, maximum, and `$ref` into `$defs`.
/// Returns every place a document breaks it, as `path: problem`.
struct SchemaValidator {
    let root: [String: Any]

    init(schemaAt path: String) throws {
        root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func problems(in document: Any) -> [String] {
        var found: [String] = []
        check(document, against: root, at: "$", &found)
        return found
    }

    private func check(_ value: Any, against schema: [String: Any], at path: String, _ found: inout [String]) {
        if let ref = schema["$ref"] as? String {
            let name = String(ref.dropFirst("#/$defs/".count))
            guard let defs = root["$defs"] as? [String: Any], let target = defs[name] as? [String: Any] else {
                found.append("\(path): unknown $ref \(ref)")
                return
            }
            check(value, against: target, at: path, &found)
            return
        }
        if let type = schema["type"] {
            let types = (type as? [String]) ?? [type as! String]
            guard types.contains(where: { Self.isOf($0, value) }) else {
                found.append("\(path): expected \(types.joined(separator: " or ")), found \(Swift.type(of: value))")
                return
            }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { "\($0)" == "\(value)" }) {
            found.append("\(path): \(value) is not one of \(options)")
        }
        if let number = value as? NSNumber, !Self.isBoolean(value) {
            if let minimum = schema["minimum"] as? Double, number.doubleValue < minimum { found.append("\(path): \(number) < \(minimum)") }
            if let maximum = schema["maximum"] as? Double, number.doubleValue > maximum { found.append("\(path): \(number) > \(maximum)") }
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { found.append("\(path): missing '\(key)'") }
            for (key, sub) in schema["properties"] as? [String: Any] ?? [:] {
                if let v = object[key] { check(v, against: sub as! [String: Any], at: "\(path).\(key)", &found) }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, item) in array.enumerated() { check(item, against: items, at: "\(path)[\(i)]", &found) }
        }
    }

    // JSONSerialization hands booleans back as Bool or as __NSCFBoolean depending on the
    // platform, and a number 1 may pass `is Bool`: the dynamic type's name tells.
    static func isBoolean(_ value: Any) -> Bool {
        String(describing: Swift.type(of: value)).contains("Bool")
    }

    static func isOf(_ type: String, _ value: Any) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "null": return value is NSNull
        case "boolean": return isBoolean(value)
        case "integer":
            guard let n = value as? NSNumber, !isBoolean(value) else { return false }
            return n.doubleValue.rounded() == n.doubleValue
        case "number": return value is NSNumber && !isBoolean(value)
        default: return false
        }
    }
}
