/** Mirrors `textLimits.passwordMin` of the server's validation, for the hint shown beside the field. */
export const PASSWORD_MIN_LENGTH = 10;
