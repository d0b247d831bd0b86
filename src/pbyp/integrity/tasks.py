from django_tasks import task

from pbyp.integrity.patterns import check_assessor
from pbyp.schools.models import School


@task()
def check_assessor_patterns(*, school_id: int, assessor_id: int) -> None:
    school = School.objects.filter(pk=school_id).first()
    if school is not None:
        check_assessor(school=school, assessor_id=assessor_id)
