<!doctype html>
<title>{{name}}</title>
<h1>Hello, {{name}}!</h1>
<ul>
% for index, item in enumerate(items, 1):
  <li>{{index}}: {{item}}</li>
% end
</ul>