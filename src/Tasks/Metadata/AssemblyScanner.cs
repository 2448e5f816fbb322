using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// Finds handler types in a compiled assembly's metadata: every type that implements <c>IApiHandler</c> (directly
/// or through a base type) and every type that carries an ApiRoutes attribute. User code is never loaded.
/// </summary>
internal static class AssemblyScanner
{
    public static IReadOnlyList<HandlerType> FindHandlerTypes(MetadataReader reader, HandlerInterfaceResolver resolver)
    {
        var handlers = new List<HandlerType>();
        var suppressions = Suppressions.Read(reader);
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            if (IsCompilerGenerated(reader, type))
            {
                continue;
            }

            var attributes = ReadRouteAttributes(reader, type);
            var implements = resolver.ImplementsHandler(reader, handle);
            if (implements || attributes.Any)
            {
                var handler = Describe(reader, handle, type, attributes, implements);
                handlers.Add(handler with
                {
                    BaseRouteAttribute = implements ? resolver.BaseRouteAttribute(reader, handle) : null,
                    SuppressedWarnings = suppressions.For(reader, handle, handler.FullName, handler.Namespace),
                });
            }
        }

        return handlers;
    }

    private static HandlerType Describe(
        MetadataReader reader, TypeDefinitionHandle handle, TypeDefinition type, RouteAttributes attributes, bool implements)
    {
        var nested = new List<string>();
        var reflectionNames = new List<string>();
        var isPublic = true;
        var isFileLocal = false;
        var current = type;
        while (true)
        {
            var name = reader.GetString(current.Name);
            if (FileLocalName(name) is { } declared)
            {
                name = declared;
                isFileLocal = true;
            }

            nested.Insert(0, MetadataNames.WithoutArity(name));
            reflectionNames.Insert(0, name);
            var visibility = current.Attributes & TypeAttributes.VisibilityMask;
            isPublic &= visibility is TypeAttributes.Public or TypeAttributes.NestedPublic;
            var declaring = current.GetDeclaringType();
            if (declaring.IsNil)
            {
                break;
            }

            current = reader.GetTypeDefinition(declaring);
        }

        var @namespace = reader.GetString(current.Namespace);
        var fullName = string.Join('+', reflectionNames);
        var (constructors, preferred) = CountPublicConstructors(reader, type);
        return new HandlerType
        {
            Handle = handle,
            FullName = @namespace.Length == 0 ? fullName : @namespace + "." + fullName,
            Namespace = @namespace,
            NestedNames = nested,
            IsPublic = isPublic,
            IsFileLocal = isFileLocal,
            IsAbstract = (type.Attributes & TypeAttributes.Abstract) != 0,
            IsGeneric = type.GetGenericParameters().Count > 0,
            IsValueType = IsValueType(reader, type),
            IsInterface = (type.Attributes & TypeAttributes.Interface) != 0,
            ImplementsHandler = implements,
            PublicConstructorCount = constructors,
            HasPreferredConstructor = preferred,
            Attributes = attributes,
        };
    }

    /// <summary>The name of the first route attribute the type carries (without "Attribute"), or null.</summary>
    public static string? RouteAttributeName(MetadataReader reader, TypeDefinition type)
    {
        foreach (var handle in type.GetCustomAttributes())
        {
            var name = MetadataNames.GetAttributeType(reader, reader.GetCustomAttribute(handle));
            if (name.Namespace == "ApiRoutes" && name.Name is "ApiRouteAttribute" or "BackgroundRouteAttribute" or "ScheduledRouteAttribute")
            {
                return name.Name[..^"Attribute".Length];
            }
        }

        return null;
    }

    // Review 33c F6: an app type named like one of the package's attributes (the compiler warns CS0436, and the app's type
    // wins) has its own arguments: one of a byte enum was decoded as an int, read past the blob, and the whole assembly was
    // reported unreadable (AR0001), with no other diagnostic. Such an attribute is not read; the handler gets AR1008.
    private static CustomAttributeValue<string>? Decode(CustomAttribute attribute)
    {
        // The package's attributes are in the ApiRoutes assembly: a constructor defined here is the app's own type.
        if (attribute.Constructor.Kind == HandleKind.MethodDefinition)
        {
            return null;
        }

        try
        {
            return attribute.DecodeValue(AttributeValueProvider.Instance);
        }
        catch (BadImageFormatException)
        {
            return null;   // another assembly's look-alike, with arguments the package's attribute does not have
        }
    }

    private static RouteAttributes ReadRouteAttributes(MetadataReader reader, TypeDefinition type)
    {
        var result = RouteAttributes.None;
        foreach (var handle in type.GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            var name = MetadataNames.GetAttributeType(reader, attribute);
            if (name.Namespace != "ApiRoutes" || name.Name is not ("ApiRouteAttribute" or "BackgroundRouteAttribute" or "ScheduledRouteAttribute"))
            {
                continue;
            }

            if (Decode(attribute) is not { } value)
            {
                result = result with { ForeignAttribute = result.ForeignAttribute ?? name.Name };
                continue;
            }

            switch (name.Name)
            {
                case "ApiRouteAttribute":
                    var route = value;
                    result = result with { HasApiRoute = true, Template = FixedString(route, 0), Methods = NamedStrings(route, "Methods") };
                    break;
                case "BackgroundRouteAttribute":
                    var background = value;
                    result = result with { HasBackground = true, BackgroundTimeLimitSeconds = NamedInt(background, "TimeLimitSeconds") };
                    break;
                case "ScheduledRouteAttribute":
                    var scheduled = value;
                    result = result with
                    {
                        HasScheduled = true,
                        Schedule = FixedString(scheduled, 0),
                        ScheduledTimeLimitSeconds = NamedInt(scheduled, "TimeLimitSeconds"),
                        ScheduledCatchUp = NamedBool(scheduled, "CatchUp"),
                        ScheduledTimeZone = NamedString(scheduled, "TimeZone"),
                    };
                    break;
            }
        }

        return result;
    }

    private static string? FixedString(CustomAttributeValue<string> value, int index) =>
        value.FixedArguments.Length > index ? value.FixedArguments[index].Value as string : null;

    // Null when not written: a 0 written is a 0 (AR3004), not the default (review 27a F4).
    private static int? NamedInt(CustomAttributeValue<string> value, string name)
    {
        foreach (var argument in value.NamedArguments)
        {
            if (argument.Name == name && argument.Value is int number)
            {
                return number;
            }
        }

        return null;
    }

    internal static string? NamedString(CustomAttributeValue<string> value, string name) =>
        value.NamedArguments.Where(argument => argument.Name == name).Select(argument => argument.Value as string).FirstOrDefault();

    /// <summary>A string array argument: null when not written or written as null; a null element where the array holds one.</summary>
    private static IReadOnlyList<string?>? NamedStrings(CustomAttributeValue<string> value, string name) =>
        value.NamedArguments
            .Where(argument => argument.Name == name)
            .Select(argument => argument.Value is ImmutableArray<CustomAttributeTypedArgument<string>> items
                ? items.Select(item => item.Value as string).ToList()
                : null)
            .FirstOrDefault();

    private static bool NamedBool(CustomAttributeValue<string> value, string name) =>
        value.NamedArguments.Any(argument => argument.Name == name && argument.Value is true);

    private static (int Count, bool Preferred) CountPublicConstructors(MetadataReader reader, TypeDefinition type)
    {
        var count = 0;
        var preferred = false;
        foreach (var handle in type.GetMethods())
        {
            var method = reader.GetMethodDefinition(handle);
            var attributes = method.Attributes;
            if ((attributes & MethodAttributes.Static) != 0
                || (attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public
                || !reader.StringComparer.Equals(method.Name, ".ctor"))
            {
                continue;
            }

            count++;
            preferred |= HasAttribute(reader, method.GetCustomAttributes(), "Microsoft.Extensions.DependencyInjection", "ActivatorUtilitiesConstructorAttribute");
        }

        return (count, preferred);
    }

    // Names starting with '<' are the compiler's own (closures, state machines), except a file-local type's.
    private static bool IsCompilerGenerated(MetadataReader reader, TypeDefinition type)
    {
        var name = reader.GetString(type.Name);
        return (name.StartsWith('<') && FileLocalName(name) is null)
            || HasAttribute(reader, type.GetCustomAttributes(), "System.Runtime.CompilerServices", "CompilerGeneratedAttribute");
    }

    // The C# name of a type declared 'file', which the compiler names <FileName>F{checksum}__Name in metadata; null
    // for any other name.
    private static string? FileLocalName(string metadataName)
    {
        var close = metadataName.IndexOf('>', StringComparison.Ordinal);
        var separator = metadataName.IndexOf("__", StringComparison.Ordinal);
        if (!metadataName.StartsWith('<') || close < 0 || separator < close + 2 || metadataName[close + 1] != 'F'
            || separator + 2 == metadataName.Length)
        {
            return null;
        }

        for (var i = close + 2; i < separator; i++)
        {
            if (!char.IsAsciiHexDigit(metadataName[i]))
            {
                return null;
            }
        }

        return metadataName[(separator + 2)..];
    }

    private static bool IsValueType(MetadataReader reader, TypeDefinition type)
    {
        if (type.BaseType.IsNil)
        {
            return false;
        }

        var name = MetadataNames.GetName(reader, type.BaseType);
        return name.Is("System", "ValueType") || name.Is("System", "Enum");
    }

    private static bool HasAttribute(MetadataReader reader, CustomAttributeHandleCollection attributes, string @namespace, string name)
    {
        foreach (var handle in attributes)
        {
            if (MetadataNames.GetAttributeType(reader, reader.GetCustomAttribute(handle)).Is(@namespace, name))
            {
                return true;
            }
        }

        return false;
    }
}
