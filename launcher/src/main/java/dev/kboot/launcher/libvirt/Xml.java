package dev.kboot.launcher.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * A small immutable XML tree for libvirt's definitions: built by kboot's renderers, parsed from
 * what libvirt returns, written with two-space indentation, and normalised for comparison.
 *
 * @param name     the element name (with its prefix, e.g. {@code kboot:domain})
 * @param attrs    attributes in document order
 * @param text     the element's text, or null (an element has text or children, as libvirt's do)
 * @param children child elements in document order
 */
public record Xml(String name, Map<String, String> attrs, String text, List<Xml> children) {

    /** Copies the collections. */
    public Xml {
        attrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
        children = List.copyOf(children);
    }

    /** @return an empty element */
    public static Xml el(String name) {
        return new Xml(name, Map.of(), null, List.of());
    }

    /** @return an element holding {@code text} */
    public static Xml text(String name, String text) {
        return new Xml(name, Map.of(), text, List.of());
    }

    /** @return a copy with attribute {@code key} set (no attribute when {@code value} is null) */
    public Xml attr(String key, Object value) {
        if (value == null) {
            return this;
        }
        Map<String, String> a = new LinkedHashMap<>(attrs);
        a.put(key, value.toString());
        return new Xml(name, a, text, children);
    }

    /** @return a copy with these children appended (null entries are skipped) */
    public Xml add(Xml... more) {
        List<Xml> c = new ArrayList<>(children);
        for (Xml x : more) {
            if (x != null) {
                c.add(x);
            }
        }
        return new Xml(name, attrs, text, c);
    }

    /** @return a copy with these children appended */
    public Xml addAll(List<Xml> more) {
        return add(more.toArray(new Xml[0]));
    }

    /**
     * @return a copy whose first children are {@code <name>} and {@code <uuid>} with these values
     *         (replacing any the document had): a user's own definition given kboot's identity
     */
    public Xml identified(String objectName, java.util.UUID uuid) {
        List<Xml> c = new ArrayList<>(List.of(text("name", objectName), text("uuid", uuid.toString())));
        children.stream().filter(x -> !x.name.equals("name") && !x.name.equals("uuid")).forEach(c::add);
        return new Xml(name, attrs, text, c);
    }

    /** @return a copy with its children replaced */
    public Xml withChildren(List<Xml> kids) {
        return new Xml(name, attrs, text, kids);
    }

    /** @return the first child named {@code child} */
    public Optional<Xml> child(String child) {
        return children.stream().filter(c -> c.name.equals(child)).findFirst();
    }

    /** @return every child named {@code child} */
    public List<Xml> all(String child) {
        return children.stream().filter(c -> c.name.equals(child)).toList();
    }

    /**
     * Follows a path of child names ("devices/channel").
     *
     * @return the first element at the end of the path
     */
    public Optional<Xml> at(String path) {
        Optional<Xml> cur = Optional.of(this);
        for (String step : path.split("/")) {
            cur = cur.flatMap(x -> x.child(step));
        }
        return cur;
    }

    /** @return the text at {@code path}, trimmed, or empty */
    public Optional<String> textAt(String path) {
        return at(path).map(x -> x.text == null ? "" : x.text.strip());
    }

    /** @return attribute {@code key}, or empty */
    public Optional<String> attribute(String key) {
        return Optional.ofNullable(attrs.get(key));
    }

    /** @return the document, two-space indented, one element per line, ending with a newline */
    public String render() {
        StringBuilder sb = new StringBuilder();
        write(sb, 0);
        return sb.toString();
    }

    private void write(StringBuilder sb, int depth) {
        sb.append("  ".repeat(depth)).append('<').append(name);
        attrs.forEach((k, v) -> sb.append(' ').append(k).append("='").append(escape(v, true)).append('\''));
        if (children.isEmpty() && (text == null || text.isEmpty())) {
            sb.append("/>\n");
            return;
        }
        sb.append('>');
        if (children.isEmpty()) {
            sb.append(escape(text, false)).append("</").append(name).append(">\n");
            return;
        }
        sb.append('\n');
        for (Xml c : children) {
            c.write(sb, depth + 1);
        }
        sb.append("  ".repeat(depth)).append("</").append(name).append(">\n");
    }

    private static String escape(String s, boolean attr) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '\'' -> b.append(attr ? "&apos;" : "'");
                case '"' -> b.append(attr ? "&quot;" : "\"");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Parses a document (as libvirt returns it). Whitespace-only text between elements is
     * dropped; comments and processing instructions are ignored.
     *
     * @throws IllegalArgumentException when {@code xml} is not well-formed (with the parser's reason)
     */
    public static Xml parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            Document d = b.parse(new InputSource(new StringReader(xml)));
            return of(d.getDocumentElement());
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Xml of(Node n) {
        Map<String, String> a = new LinkedHashMap<>();
        NamedNodeMap na = n.getAttributes();
        for (int i = 0; i < na.getLength(); i++) {
            a.put(na.item(i).getNodeName(), na.item(i).getNodeValue());
        }
        List<Xml> kids = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeType() == Node.ELEMENT_NODE) {
                kids.add(of(c));
            } else if (c.getNodeType() == Node.TEXT_NODE || c.getNodeType() == Node.CDATA_SECTION_NODE) {
                text.append(c.getNodeValue());
            }
        }
        String t = text.toString();
        return new Xml(n.getNodeName(), a, kids.isEmpty() && !t.isBlank() ? t : null, kids);
    }

    /**
     * Normalises a definition for comparison (REFERENCE.md section 7): text trimmed,
     * attributes sorted, and the children of {@code devices} sorted by their normalised form, so
     * that only a real difference in the definition shows. Used on two inactive definitions
     * libvirt returned, never on kboot's own rendering against libvirt's.
     */
    public Xml normalised() {
        Map<String, String> a = new TreeMap<>(attrs);
        List<Xml> kids = new ArrayList<>();
        for (Xml c : children) {
            kids.add(c.normalised());
        }
        if (name.equals("devices")) {
            kids.sort(Comparator.comparing(Xml::render));
        }
        return new Xml(name, a, text == null ? null : text.strip(), kids);
    }

    /**
     * Whether {@code have} (a definition libvirt returned) holds everything {@code want} (kboot's
     * own) says: the same names, each attribute of {@code want} with the same value, the same
     * text, and each child of {@code want} matched by a distinct child of {@code have} (libvirt
     * adds defaults, addresses and controllers; a machine type {@code q35} is expanded to
     * {@code pc-q35-X.Y}). The estimate a dry run gives; a redefine is the real answer.
     */
    public static boolean covers(Xml have, Xml want) {
        if (!have.name.equals(want.name)) {
            return false;
        }
        for (var a : want.attrs.entrySet()) {
            String h = have.attrs.get(a.getKey());
            if (h == null || !(h.equals(a.getValue()) || a.getKey().equals("machine") && h.matches("pc-" + Pattern.quote(a.getValue()) + "-.*"))) {
                return false;
            }
        }
        if (want.text != null && !want.text.strip().equals(have.text == null ? "" : have.text.strip())) {
            return false;
        }
        List<Xml> left = new ArrayList<>(have.children);
        for (Xml w : want.children) {
            Optional<Xml> hit = left.stream().filter(h -> covers(h, w)).findFirst();
            if (hit.isEmpty()) {
                return false;
            }
            left.remove(hit.get());
        }
        return true;
    }

    /**
     * A line diff of two documents' renderings ("- " removed, "+ " added, "  " kept), for
     * {@code --dry-run} and verbose output.
     *
     * @return the diff, empty when the documents render the same
     */
    public static List<String> diff(String before, String after) {
        String[] a = before.split("\n");
        String[] b = after.split("\n");
        int[][] lcs = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> out = new ArrayList<>();
        boolean changed = false;
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                out.add("  " + a[i]);
                i++;
                j++;
            } else if (j < b.length && (i == a.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
                out.add("+ " + b[j++]);
                changed = true;
            } else {
                out.add("- " + a[i++]);
                changed = true;
            }
        }
        return changed ? out : List.of();
    }
}
