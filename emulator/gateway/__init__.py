"""The HTTP front door: API Gateway turning HTTP requests into events and results into responses.

A browser or ``curl`` never calls a Lambda function directly. API Gateway receives the request,
finds its route (:mod:`.routes`), answers CORS preflights (:mod:`.cors`), runs the route's
authorizer (:mod:`.authorizers`, with JWTs from :mod:`.tokens`), builds the proxy event (REST APIs:
payload 1.0; HTTP APIs: payload 2.0), invokes the function and turns what it returns into an HTTP
response (:mod:`.proxy_responses`). :mod:`.api_gateway` puts these steps together (and offers them
as a Flask app); :mod:`.server` answers on a real socket.
"""
