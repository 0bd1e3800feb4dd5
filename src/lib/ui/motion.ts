/**
 * How a scroll the page starts by itself should move: smoothly, unless the person asked their
 * system for less motion (WCAG 2.3.3; bootstrap-italia's own smooth scrolling follows the same query).
 */
export function scrollBehavior(): ScrollBehavior {
	return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
}
