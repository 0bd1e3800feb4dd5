import { describe, expect, it } from 'vitest';
import { Schema, type DOMOutputSpec } from '@tiptap/pm/model';
import { serializeToHTML } from './html-serializer.ts';

/** A schema whose one block renders whatever spec a test gives it (the draft schema is covered in render.spec.ts). */
function render(spec: DOMOutputSpec, text = 'x'): string {
	const schema = new Schema({
		nodes: {
			doc: { content: 'block+' },
			block: { group: 'block', content: 'text*', toDOM: () => spec },
			text: {}
		}
	});
	return serializeToHTML(schema, schema.node('doc', null, [schema.node('block', null, text ? [schema.text(text)] : [])]).content);
}

describe('serializeToHTML', () => {
	it('escapes attribute values as HTML serialization does, quotes and no-break spaces included', () => {
		expect(render(['p', { title: 'a & "b" <c> d\u00a0e \'f\'' }, 0])).toBe(
			'<p title="a &amp; &quot;b&quot; &lt;c&gt; d&nbsp;e \'f\'">x</p>'
		);
	});

	it('writes void elements without an end tag and keeps the first position of an attribute', () => {
		expect(render(['div', { id: 'a', class: 'b' }, ['hr'], ['span', 0], ['br', { class: null }]])).toBe(
			'<div id="a" class="b"><hr><span>x</span><br></div>'
		);
	});

	it('refuses a tag or attribute name that would break out of the tag, as a DOM would', () => {
		expect(() => render(['p', { 'title="x"onclick': '1' }, 0])).toThrow(/Invalid attribute name/);
		expect(() => render(['p', { 'a>': '1' }, 0])).toThrow(/Invalid attribute name/);
		expect(() => render(['p><script', 0])).toThrow(/Invalid tag name/);
	});

	it('refuses namespaced elements and attributes, which the draft schema does not have', () => {
		expect(() => render(['http://www.w3.org/2000/svg svg', 0])).toThrow(/Namespaced elements/);
		expect(() => render(['a', { 'http://www.w3.org/1999/xlink href': '#x' }, 0])).toThrow(/Namespaced attributes/);
	});
});
