import { DOMSerializer, type Fragment, type Schema } from '@tiptap/pm/model';

/**
 * ProseMirror content as an HTML string, on the server, without a DOM: ProseMirror's own
 * DOMSerializer decides the structure (each node's and mark's toDOM, one element for a mark that
 * spans several text nodes, marks nested in schema order), and writes it into the few node kinds
 * below instead of a DOM document. Its `document` option exists for this; the serializer only
 * calls createDocumentFragment, createElement, createTextNode, setAttribute and appendChild
 * (prosemirror-model's renderSpec and serializeFragment), and the ...NS variants, refused here,
 * for namespaced specs the draft schema does not have.
 */
export function serializeToHTML(schema: Schema, content: Fragment): string {
	const target = new HtmlFragment();
	// The serializer is typed for the DOM; it uses only what these classes implement (see above).
	DOMSerializer.fromSchema(schema).serializeFragment(
		content,
		{ document: htmlDocument as unknown as Document },
		target as unknown as HTMLElement
	);
	return target.toHTML();
}

/** Elements without an end tag: https://html.spec.whatwg.org/multipage/syntax.html#void-elements */
const voidElements = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

const entities: Record<string, string> = { '&': '&amp;', '\u00a0': '&nbsp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' };

/**
 * HTML's "escaping a string" (https://html.spec.whatwg.org/multipage/parsing.html#escapingString):
 * text escapes & NBSP < >; attribute values, always double-quoted here, escape " as well.
 */
function escapeText(value: string): string {
	return value.replace(/[&\u00a0<>]/g, (char) => entities[char]);
}
function escapeAttribute(value: string): string {
	return value.replace(/[&\u00a0"<>]/g, (char) => entities[char]);
}

/** What a DOM would refuse as a tag or attribute name (InvalidCharacterError), so nothing can break out of the tag. */
// eslint-disable-next-line no-control-regex -- control characters are among what a DOM refuses in a name
const invalidName = /[\s"'<>/=\u0000-\u001f\u007f]/;

function checkName(kind: string, name: string): string {
	if (!name || invalidName.test(name)) throw new Error(`Invalid ${kind} name for HTML: ${JSON.stringify(name)}`);
	return name;
}

interface HtmlNode {
	toHTML(): string;
}

class HtmlText implements HtmlNode {
	constructor(private readonly text: string) {}
	toHTML(): string {
		return escapeText(this.text);
	}
}

class HtmlFragment implements HtmlNode {
	protected readonly children: HtmlNode[] = [];
	appendChild<T extends HtmlNode>(child: T): T {
		this.children.push(child);
		return child;
	}
	toHTML(): string {
		return this.children.map((child) => child.toHTML()).join('');
	}
}

class HtmlElement extends HtmlFragment {
	// A Map keeps the order attributes were first set in, as the DOM does when one is set again.
	private readonly attributes = new Map<string, string>();
	constructor(private readonly tagName: string) {
		super();
		checkName('tag', tagName);
	}
	setAttribute(name: string, value: unknown): void {
		this.attributes.set(checkName('attribute', name), String(value));
	}
	setAttributeNS(namespace: string, name: string): never {
		throw new Error(`Namespaced attributes (${namespace} ${name}) are not in the draft schema and are not rendered`);
	}
	override toHTML(): string {
		const attributes = [...this.attributes].map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('');
		if (voidElements.has(this.tagName)) return `<${this.tagName}${attributes}>`;
		return `<${this.tagName}${attributes}>${super.toHTML()}</${this.tagName}>`;
	}
}

const htmlDocument = {
	createDocumentFragment: () => new HtmlFragment(),
	createElement: (tagName: string) => new HtmlElement(tagName),
	createTextNode: (text: string) => new HtmlText(text),
	createElementNS(namespace: string, tagName: string): never {
		throw new Error(`Namespaced elements (${namespace} ${tagName}) are not in the draft schema and are not rendered`);
	}
};
