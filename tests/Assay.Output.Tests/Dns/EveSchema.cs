using System.Text.Json;

namespace Assay.Tests.Output.Dns;

/// <summary>
/// The structural check of tests/Assay.Corpus.Tests/EveSchemaTests.cs: known fields (where the schema closes an
/// object) and JSON types, following <c>$ref</c> into <c>$defs</c> and <c>items</c> into arrays.
/// </summary>
internal static class EveSchema
{
    public static void Check(JsonElement root, JsonElement value, string path, List<string> problems) => Check(root, root, value, path, problems);

    private static void Check(JsonElement root, JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        if (schema.TryGetProperty("$ref", out JsonElement reference))
        {
            string name = reference.GetString()!["#/$defs/".Length..];
            schema = root.GetProperty("$defs").GetProperty(name);
        }

        if (schema.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && !TypeFits(type.GetString()!, value))
        {
            problems.Add($"{path}: {value.ValueKind} where the schema says {type.GetString()}");
            return;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            if (schema.TryGetProperty("minItems", out JsonElement min) && value.GetArrayLength() < min.GetInt32())
                problems.Add($"{path}: fewer than {min.GetInt32()} items");
            if (schema.TryGetProperty("items", out JsonElement items))
            {
                int i = 0;
                foreach (JsonElement item in value.EnumerateArray())
                    Check(root, items, item, $"{path}[{i++}]", problems);
            }
        }

        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out JsonElement properties))
        {
            bool closed = schema.TryGetProperty("additionalProperties", out JsonElement additional) && additional.ValueKind == JsonValueKind.False;
            foreach (JsonProperty property in value.EnumerateObject())
            {
                if (properties.TryGetProperty(property.Name, out JsonElement sub))
                    Check(root, sub, property.Value, path + "." + property.Name, problems);
                else if (closed)
                    problems.Add($"{path}.{property.Name}: not in the schema");
            }
        }
    }

    private static bool TypeFits(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        _ => true,
    };
}
