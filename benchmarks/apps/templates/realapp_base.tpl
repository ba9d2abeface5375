<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{title}} · Shop</title>
  <link rel="stylesheet" href="{{url('static', filename='app.css')}}">
</head>
<body>
<nav>
  <a href="{{url('dashboard')}}">Orders</a>
  <a href="{{url('hello')}}">Hello</a>
  <span>Signed in as {{session['user']}}</span>
</nav>
<main>
{{!base}}
</main>
</body>
</html>