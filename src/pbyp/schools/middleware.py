from pbyp.schools.context import SchoolContext


class CurrentSchoolMiddleware:
    """Attaches `request.ctx`: the signed-in person's current school and roles there.

    One query (memberships with their schools). A person with memberships at several schools
    works in one at a time, chosen in the session; the first one by default.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.ctx = SchoolContext.for_request(request)
        return self.get_response(request)
