package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.jsonFormatVisitors.JsonFormatVisitorWrapper;
import java.io.IOException;
import java.util.Locale;

/**
 * Reads and writes {@code KmsPlugin.spec} so that one KmsPlugin the model cannot read never stops
 * the operator. Without it a field of the wrong type or format (which the CRD schema should refuse,
 * but a CRD installed without it, another version's object, or an empty resource quantity, which
 * the schema's int-or-string accepts, gets past) fails the informer of every KmsPlugin, and
 * java-operator-sdk stops the operator: a crash loop for all of them. Instead the spec becomes
 * {@link KmsPluginSpec#unreadable}, which the validator reports as {@code Degraded=InvalidSpec}
 * naming the field (never the value), and the operator goes on with the others. The stored JSON is
 * kept and written back unchanged (java-operator-sdk copies resources through JSON).
 */
public final class SpecJson {
  private SpecJson() {}

  /** Reads a spec; one that does not fit the model becomes {@link KmsPluginSpec#unreadable}. */
  public static final class Reader extends JsonDeserializer<KmsPluginSpec> {
    @Override
    public KmsPluginSpec deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode tree = context.readTree(parser);
      try {
        return context.readTreeAsValue(tree, KmsPluginSpec.class);
      } catch (IOException | RuntimeException e) {
        return KmsPluginSpec.unreadable(reason(e), tree);
      }
    }
  }

  /** Writes a spec; an unreadable one as it was stored. */
  public static final class Writer extends JsonSerializer<KmsPluginSpec> {
    @Override
    public void serialize(KmsPluginSpec spec, JsonGenerator generator, SerializerProvider provider)
        throws IOException {
      if (spec.unreadable() != null && spec.raw() != null) {
        generator.writeTree(spec.raw());
      } else {
        provider.findValueSerializer(KmsPluginSpec.class).serialize(spec, generator, provider);
      }
    }

    /** The schema is KmsPluginSpec's own (the CRD generator asks here). */
    @Override
    public void acceptJsonFormatVisitor(JsonFormatVisitorWrapper visitor, JavaType type)
        throws JsonMappingException {
      visitor
          .getProvider()
          .findValueSerializer(KmsPluginSpec.class)
          .acceptJsonFormatVisitor(visitor, type);
    }
  }

  /** {@code spec.<field> cannot be read (it must be <type>)}, from the path of the failure. */
  static String reason(Throwable failure) {
    Throwable e = failure;
    while (!(e instanceof JsonMappingException) && e.getCause() != null && e.getCause() != e) {
      e = e.getCause();
    }
    if (!(e instanceof JsonMappingException mapping) || mapping.getPath().isEmpty()) {
      return "spec cannot be read by the operator (it does not match the KmsPlugin schema)";
    }
    StringBuilder field = new StringBuilder("spec");
    for (JsonMappingException.Reference ref : mapping.getPath()) {
      if (ref.getFieldName() != null) {
        field.append('.').append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        field.append('[').append(ref.getIndex()).append(']');
      }
    }
    String expected = "";
    if (mapping instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
      expected = " (it must be " + describe(mismatch.getTargetType()) + ")";
    }
    return field + " cannot be read" + expected;
  }

  private static String describe(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (java.util.Map.class.isAssignableFrom(type)) {
      return "an object";
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (type.getName().startsWith("java.")) {
      return "a " + type.getSimpleName().toLowerCase(Locale.ROOT);
    }
    return "an object";
  }
}
