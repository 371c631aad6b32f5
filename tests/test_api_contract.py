"""A typed API contract: every success answer of /api/schema/ says what it holds.

The schema is generated in-process and walked: each operation's 2xx answers
with a JSON media type, their `$ref`s resolved into the components. An
object with no `properties` and no typed `additionalProperties`, an array
with no typed `items`, or an operation with no success answer described at
all (other than 204) is an untyped place. Answers that are not JSON (CSV,
ZIP, calendar files, HTML) declare their media type and a string or binary
schema instead.
"""

from drf_spectacular.generators import SchemaGenerator

SCALAR_TYPES = {"string", "integer", "number", "boolean", "null"}
COMPOSITIONS = ("allOf", "oneOf", "anyOf")


def is_json(media_type: str) -> bool:
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def resolve(schema, components: dict, seen: frozenset = frozenset()):
    """Follow `$ref`s into the components; (schema, the refs followed to it)."""
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:  # a recursive structure: described once, typed there
            return None, seen
        seen = seen | {ref}
        name = ref.rsplit("/", 1)[-1]
        schema = components.get(name)
        if schema is None:
            return {"x-unresolved": ref}, seen
    return schema, seen


def untyped_places(schema, components: dict, path: str, seen: frozenset = frozenset()):
    """Every JSON path below `schema` whose shape the schema leaves open."""
    schema, seen = resolve(schema, components, seen)
    if schema is None:
        return []
    if not isinstance(schema, dict) or "x-unresolved" in schema:
        return [f"{path} (unresolved {schema!r})"]
    found = []
    composed = [key for key in COMPOSITIONS if key in schema]
    for key in composed:
        for n, part in enumerate(schema[key]):
            found += untyped_places(part, components, f"{path}<{key}[{n}]>", seen)
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    if "enum" in schema or "const" in schema or (kinds and kinds <= SCALAR_TYPES):
        return found
    if "array" in kinds:
        items = schema.get("items")
        if not isinstance(items, dict) or not items:
            found.append(f"{path}[] (array without typed items)")
        else:
            found += untyped_places(items, components, f"{path}[]", seen)
        return found
    if composed and not kinds and "properties" not in schema:
        return found  # the parts describe it
    if kinds - {"object"} - SCALAR_TYPES:
        return [*found, f"{path} (unknown type {kind!r})"]
    properties = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    for name, inner in properties.items():
        found += untyped_places(inner, components, f"{path}.{name}", seen)
    if isinstance(extra, dict) and extra:
        found += untyped_places(extra, components, f"{path}.*", seen)
    elif not properties:
        found.append(f"{path} (object without properties)")
    return found


def untyped_answers(schema: dict) -> list[str]:
    """Each untyped place of each operation's success answers: `operationId: path`."""
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for route, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            name = operation.get("operationId", f"{method.upper()} {route}")
            successes = {
                code: answer
                for code, answer in operation["responses"].items()
                if str(code).startswith("2")
            }
            described = False
            for code, answer in successes.items():
                answer, _ = resolve(answer, schema.get("components", {}).get("responses", {}))
                content = (answer or {}).get("content") or {}
                if str(code) == "204" and not content:
                    described = True
                for media_type, body in content.items():
                    if "schema" not in body:
                        found.append(f"{name}: {code} {media_type} (no schema)")
                        continue
                    described = True
                    if is_json(media_type):
                        found += [
                            f"{name}: {place}"
                            for place in untyped_places(body["schema"], components, f"{code}$")
                        ]
            if not described:
                found.append(f"{name}: no success answer described")
    return found


def test_every_api_answer_is_typed():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = untyped_answers(schema)
    print(f"{len(found)} untyped places in success answers")
    assert not found, "untyped places in success answers:\n" + "\n".join(found)


def test_the_walker_finds_an_untyped_object_nested_in_an_array():
    schema = {
        "paths": {
            "/api/things": {
                "get": {
                    "operationId": "things_list",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Thing"},
                                    }
                                }
                            }
                        }
                    },
                },
                "post": {"operationId": "things_create", "responses": {"201": {}}},
            },
            "/api/things/{id}": {
                "delete": {"operationId": "things_destroy", "responses": {"204": {}}},
                "get": {
                    "operationId": "things_export",
                    "responses": {"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
                },
            },
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                        "parts": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": {}},
                        },
                    },
                }
            }
        },
    }
    assert untyped_answers(schema) == [
        "things_list: 200$[].parts[] (object without properties)",
        "things_create: no success answer described",
    ]
