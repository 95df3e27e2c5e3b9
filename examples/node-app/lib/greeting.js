// Kept apart from server.js so the example's rebuild test can edit one small file.
export const greeting = (who) => `Hello, ${who}!`;
