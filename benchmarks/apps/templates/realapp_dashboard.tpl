% rebase('realapp_base', title='Orders', session=session, url=url)

<h1>Orders for {{session['user']}}</h1>
<table>
% for row in rows:
  <tr><td><a href="{{url('api.get_order', order_id=row['id'])}}">{{row['title']}}</a></td><td>{{row['total']}}</td></tr>
% end
</table>
