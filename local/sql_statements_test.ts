import assert from "node:assert/strict";
import { splitStatements } from "./sql_statements.ts";

Deno.test("splitStatements() splits on top-level semicolons only", () => {
  const cases: Array<[string, string[]]> = [
    ["select 1; select 2;", ["select 1", "select 2"]],
    ["select ';' as a; select 2", ["select ';' as a", "select 2"]],
    ["select 'it''s; fine'", ["select 'it''s; fine'"]],
    [`select E'a\\'; b'; select 3`, [`select E'a\\'; b'`, "select 3"]],
    [`select "semi;colon" from t; select 4`, [`select "semi;colon" from t`, "select 4"]],
    [
      "create function f() returns int language sql as $$ select 1; $$; select 5",
      ["create function f() returns int language sql as $$ select 1; $$", "select 5"],
    ],
    [
      "do $body$ begin perform 1; raise notice '$$'; end $body$; select 6",
      ["do $body$ begin perform 1; raise notice '$$'; end $body$", "select 6"],
    ],
    ["-- a comment; with a semicolon\nselect 7;", ["-- a comment; with a semicolon\nselect 7"]],
    ["/* block; /* nested; */ still; */ select 8;", ["/* block; /* nested; */ still; */ select 8"]],
    ["select $1::int; select a$b from t", ["select $1::int", "select a$b from t"]],
  ];
  for (const [input, expected] of cases) assert.deepEqual(splitStatements(input), expected, input);
});

Deno.test("splitStatements() leaves out statements that are only comments or white space", () => {
  assert.deepEqual(splitStatements("-- header\n\n;  ;\n/* nothing */;\nselect 1;\n-- trailer\n"), [
    "select 1",
  ]);
  assert.deepEqual(splitStatements(""), []);
});
